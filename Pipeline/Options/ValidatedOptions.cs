using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace UniHCP.Pipeline.Hosting.Options;

/// <summary>Options bound strictly from a configuration section (a misspelt key is an error naming it) and validated
/// when the host starts, so that a bad setting stops the process at boot, not at frame 10,000.</summary>
internal static class ValidatedOptions
{
    public static OptionsBuilder<T> AddValidated<T>(this IServiceCollection services, string section, Action<T> validate)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(validate));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => BindStrictly(options, configuration, section))
            .ValidateOnStart();
    }

    /// <summary>Binds <paramref name="section"/> onto <paramref name="options"/>; a key the options do not have, or a value
    /// of the wrong type, is an error that names the section.</summary>
    public static void BindStrictly<T>(T options, IConfiguration configuration, string section) where T : class
    {
        try
        {
            configuration.GetSection(section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            var reasons = new List<string>();
            for (Exception? e = ex; e is not null; e = e.InnerException)
                reasons.Add(e.Message);
            throw new ArgumentException($"Configuration section '{section}': {string.Join(" | ", reasons.Skip(reasons.Count > 1 ? 1 : 0))}{EnumChoices<T>(ex.Message)}", ex);
        }
    }

    // The binder names the path of a value it could not convert but not what it accepts: for a choice (an enum property
    // of the options), list the choices.
    private static string EnumChoices<T>(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, "at '([^']+)'");
        if (!match.Success)
            return "";
        string path = match.Groups[1].Value;
        string name = path[(path.LastIndexOf(':') + 1)..];
        var property = typeof(T).GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type is { IsEnum: true } ? $" ({path} is one of: {string.Join(", ", Enum.GetNames(type))})" : "";
    }

    private sealed class Validator<T>(Action<T> validate) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            try
            {
                validate(options);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
