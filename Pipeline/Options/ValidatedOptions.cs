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
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
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
