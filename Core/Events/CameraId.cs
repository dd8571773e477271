using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// Rules for camera ids. They become Kafka message keys, database values and file names, so they
/// are restricted to a portable alphabet: 1-64 characters of letters, digits, '.', '_' and '-'.
/// </summary>
public static partial class CameraId
{
    public const int MaxLength = 64;

    public static bool IsValid([NotNullWhen(true)] string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxLength && Pattern().IsMatch(id);

    /// <summary>Throws an <see cref="ArgumentException"/> that names the bad id.</summary>
    public static string Validate(string? id, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(id))] string? paramName = null)
    {
        if (!IsValid(id))
        {
            throw new ArgumentException(
                $"Camera id '{id}' is not valid: use 1-{MaxLength} characters of letters, digits, '.', '_' or '-'.",
                paramName);
        }
        return id;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
