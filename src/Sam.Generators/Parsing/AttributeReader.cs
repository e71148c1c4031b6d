using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>The configuration read from the attributes, with where each argument was written.</summary>
/// <param name="Config">The values (defaults where not written).</param>
/// <param name="ArgumentLocations">"Attribute.Argument" (e.g. "Sgd.Momentum") → the argument's location.</param>
/// <param name="AttributeLocation">The [SharpnessAware] attribute.</param>
internal sealed record AttributeReading(
    SamConfigSpec Config,
    IReadOnlyDictionary<string, LocationInfo?> ArgumentLocations,
    LocationInfo? AttributeLocation);

/// <summary>Reads [SharpnessAware] and the base-optimizer attribute into a <see cref="SamConfigSpec"/>.</summary>
internal static class AttributeReader
{
    public static AttributeReading Read(INamedTypeSymbol type, AttributeData samAttribute, CancellationToken ct)
    {
        var locations = new Dictionary<string, LocationInfo?>();
        double rho = 0.05;
        bool normalize = true;
        foreach (KeyValuePair<string, TypedConstant> arg in samAttribute.NamedArguments)
        {
            switch (arg.Key)
            {
                case "Rho" when TryDouble(arg.Value, out double v):
                    rho = v;
                    break;
                case "Normalize" when arg.Value.Value is bool b:
                    normalize = b;
                    break;
            }
        }

        Locate(samAttribute, "SharpnessAware", locations, ct);

        OptimizerSpec optimizer = OptimizerSpec.DefaultSgd;
        AttributeData? sgd = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == TypeNames.SgdAttribute);
        if (sgd is not null)
        {
            double lr = optimizer.LearningRate, momentum = 0, dampening = 0, weightDecay = 0;
            bool nesterov = false, decoupled = false;
            foreach (KeyValuePair<string, TypedConstant> arg in sgd.NamedArguments)
            {
                switch (arg.Key)
                {
                    case "LearningRate" when TryDouble(arg.Value, out double v):
                        lr = v;
                        break;
                    case "Momentum" when TryDouble(arg.Value, out double v):
                        momentum = v;
                        break;
                    case "Dampening" when TryDouble(arg.Value, out double v):
                        dampening = v;
                        break;
                    case "WeightDecay" when TryDouble(arg.Value, out double v):
                        weightDecay = v;
                        break;
                    case "Nesterov" when arg.Value.Value is bool b:
                        nesterov = b;
                        break;
                    case "DecoupledWeightDecay" when arg.Value.Value is bool b:
                        decoupled = b;
                        break;
                }
            }

            optimizer = new OptimizerSpec(BaseOptimizerKind.Sgd, lr, momentum, dampening, weightDecay, nesterov, decoupled);
            Locate(sgd, "Sgd", locations, ct);
        }

        LocationInfo? attributeLocation = LocationInfo.From(samAttribute.ApplicationSyntaxReference?.GetSyntax(ct));
        return new AttributeReading(new SamConfigSpec(rho, normalize, optimizer), locations, attributeLocation);
    }

    private static bool TryDouble(TypedConstant constant, out double value)
    {
        switch (constant.Value)
        {
            case double d:
                value = d;
                return true;
            case float f:
                value = f;
                return true;
            case int i:
                value = i;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    private static void Locate(AttributeData attribute, string prefix, Dictionary<string, LocationInfo?> into, CancellationToken ct)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(ct) is not AttributeSyntax syntax || syntax.ArgumentList is null)
        {
            return;
        }

        foreach (AttributeArgumentSyntax arg in syntax.ArgumentList.Arguments)
        {
            if (arg.NameEquals is { } nameEquals)
            {
                into[prefix + "." + nameEquals.Name.Identifier.ValueText] = LocationInfo.From(arg.Expression);
            }
        }
    }
}
