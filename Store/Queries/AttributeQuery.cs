using System.Globalization;
using System.Text.RegularExpressions;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// One attribute condition on a track's mean probability: "Female>=0.6", "Hat<0.3", or just
/// "Backpack" (meaning at least 0.5).
/// </summary>
public sealed partial record AttributeCondition(string Name, float Threshold = 0.5f, bool Below = false)
{
    public override string ToString() => Below ? $"{Name}<{Threshold.ToString(CultureInfo.InvariantCulture)}" : $"{Name}>={Threshold.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses "Name", "Name>=p", "Name>p", "Name<=p" or "Name<p"; p in [0, 1].</summary>
    public static AttributeCondition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
            throw new QueryValidationException("where", $"'{QueryValidationException.Shorten(text)}' is not an attribute condition; write Name, Name>=0.6 or Name<0.3.");
        string name = match.Groups["name"].Value;
        if (!match.Groups["op"].Success)
            return new AttributeCondition(name);
        if (!float.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float threshold) || threshold is < 0 or > 1)
            throw new QueryValidationException("where", $"'{QueryValidationException.Shorten(text)}': the threshold must be a probability between 0 and 1.");
        return new AttributeCondition(name, threshold, match.Groups["op"].Value.StartsWith('<'));
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9&_\-]{0,63})\s*(?:(?<op>>=|<=|>|<)\s*(?<value>[0-9]*\.?[0-9]+))?$")]
    private static partial Regex Pattern();
}

/// <summary>
/// An attribute search: every condition must hold (on the track's mean probabilities), clothing
/// colours must match when given, within the window and cameras. Results are ranked by how
/// strongly the conditions hold (mean margin), then by detection score.
/// </summary>
/// <param name="Window">Time window and optional cameras.</param>
/// <param name="Conditions">Attribute conditions (may be empty when colours are given).</param>
/// <param name="UpperColor">Upper clothing colour name, or null.</param>
/// <param name="LowerColor">Lower clothing colour name, or null.</param>
/// <param name="Paging">Page to return.</param>
/// <param name="ByIdentity">Return one result per cross-camera identity (its best track) instead of every track.</param>
public sealed partial record AttributeQuery(
    TimeWindow Window,
    IReadOnlyList<AttributeCondition> Conditions,
    string? UpperColor = null,
    string? LowerColor = null,
    Paging? Paging = null,
    bool ByIdentity = false)
{
    public const int MaxConditions = 32;

    public void Validate()
    {
        Window.Validate();
        (Paging ?? new Paging()).Validate();
        if (Conditions.Count > MaxConditions)
            throw new QueryValidationException("where", $"at most {MaxConditions} attribute conditions.");
        if (Conditions.Count == 0 && UpperColor is null && LowerColor is null)
            throw new QueryValidationException("where", "give at least one attribute condition or clothing colour.");
        ValidateColour("upper", UpperColor);
        ValidateColour("lower", LowerColor);
    }

    private static void ValidateColour(string parameter, string? colour)
    {
        if (colour is not null && !ColourWord().IsMatch(colour))
            throw new QueryValidationException(parameter, $"'{QueryValidationException.Shorten(colour)}' is not a colour name (e.g. red, blue, black).");
    }

    [GeneratedRegex("^[a-z]{1,20}$")]
    private static partial Regex ColourWord();
}
