using System.Text.RegularExpressions;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>
/// A named stream of one event type, partitioned by camera. Besides events of type
/// <typeparamref name="T"/>, a topic carries <see cref="CameraNotice"/>s in order with them.
/// </summary>
/// <typeparam name="T">The event type.</typeparam>
public sealed partial record Topic<T> where T : class, ICameraEvent
{
    public Topic(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 200 || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"Topic name '{name}' is not valid: use 1-200 characters of letters, digits, '.', '_' or '-' (Kafka's rule).",
                nameof(name));
        }
        Name = name;
    }

    public string Name { get; }

    public override string ToString() => $"{Name} ({typeof(T).Name})";

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
