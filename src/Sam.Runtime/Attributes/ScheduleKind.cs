namespace Sam;

/// <summary>The shape of a ρ or learning-rate schedule; the value at step t (from 0) for base value v₀.</summary>
public enum ScheduleKind
{
    /// <summary>v₀ at every step.</summary>
    Constant = 0,

    /// <summary>Polynomial decay v₀·(1 + t)^(−Exponent); asymptotic, the form convergence theorems analyse.</summary>
    Polynomial = 1,

    /// <summary>Cosine from v₀ to Floor over TotalSteps steps, then Floor; reaches its floor at a finite horizon.</summary>
    Cosine = 2,

    /// <summary>Step decay v₀·Gamma^⌊t / StepSize⌋.</summary>
    Step = 3,
}
