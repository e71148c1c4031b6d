using System;

namespace Sam;

/// <summary>The SAM hyper-parameters: the perturbation radius and whether the perturbation is normalized.</summary>
public sealed class SamSettings
{
    private double _rho = 0.05;

    /// <summary>Perturbation radius ρ (≥ 0, finite). Default 0.05.</summary>
    public double Rho
    {
        get => _rho;
        set
        {
            if (!double.IsFinite(value) || value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Rho), value, "ρ must be finite and non-negative.");
            }

            _rho = value;
        }
    }

    /// <summary>ρ·g/‖g‖ (SAM) when true; ρ·g (USAM) when false. Default true.</summary>
    public bool Normalize { get; set; } = true;
}
