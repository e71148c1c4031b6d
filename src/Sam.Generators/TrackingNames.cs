namespace Sam.Generators;

/// <summary>Names of the incremental pipeline's steps, public to tests that check caching.</summary>
public static class TrackingNames
{
    /// <summary>The ForAttributeWithMetadataName transform: symbol → parse result.</summary>
    public const string Parse = "Sam.Parse";

    /// <summary>The parse results that produced a model.</summary>
    public const string Models = "Sam.Models";

    /// <summary>The parse results that failed with an internal error (SAM0017).</summary>
    public const string InternalErrors = "Sam.InternalErrors";

    /// <summary>The case-insensitive hint-name keys more than one model shares.</summary>
    public const string HintNameCollisions = "Sam.HintNameCollisions";

    /// <summary>The project-wide options read from MSBuild properties.</summary>
    public const string Options = "Sam.Options";
}
