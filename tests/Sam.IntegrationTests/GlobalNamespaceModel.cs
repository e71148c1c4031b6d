using Sam;

/// <summary>A model in the global namespace, declared as a record.</summary>
[SharpnessAware(Rho = 0.05)]
public partial record GlobalModel(Parameter Weight);
