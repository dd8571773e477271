using Microsoft.Extensions.Configuration;

namespace UniHCP.Pipeline.Cli.Configuration;

/// <summary>
/// Builds the configuration every command reads, in increasing precedence: appsettings.json (the
/// one next to the program, then one in the working directory or the file given by --config),
/// environment variables prefixed UNIHCP_ (sections joined by "__", e.g.
/// UNIHCP_Ingest__Cameras__0__Source), then the command's own options.
/// </summary>
internal static class ConfigurationLoader
{
    public const string EnvironmentPrefix = "UNIHCP_";

    public static IConfigurationRoot Load(FileInfo? configFile, IEnumerable<KeyValuePair<string, string?>> commandLine)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!configFile.Exists)
                throw new ConfigurationFileException($"Configuration file '{configFile.FullName}' does not exist.");
            builder.AddJsonFile(configFile.FullName, optional: false, reloadOnChange: false);
        }
        else
        {
            string local = Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
            if (File.Exists(local) && !string.Equals(Path.GetFullPath(local), Path.Combine(AppContext.BaseDirectory, "appsettings.json"), StringComparison.Ordinal))
                builder.AddJsonFile(local, optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine);
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException ex)
        {
            throw new ConfigurationFileException($"Configuration is not valid JSON: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new ConfigurationFileException($"Configuration could not be read: {ex.Message}", ex);
        }
        KnownSections.Check(configuration);
        return configuration;
    }

    /// <summary>Binds a section strictly: a misspelt key or a value of the wrong type is an error naming its path.</summary>
    public static T Bind<T>(IConfiguration configuration, string section) where T : new() =>
        Strictly(section, () => configuration.GetSection(section).Get<T>(options => options.ErrorOnUnknownConfiguration = true) ?? new T());

    /// <summary>Binds a section strictly onto settings that already hold a command's own defaults: the keys the section
    /// gives replace those defaults, the others stay.</summary>
    public static T BindOnto<T>(IConfiguration configuration, string section, T settings) where T : class =>
        Strictly(section, () =>
        {
            configuration.GetSection(section).Bind(settings, options => options.ErrorOnUnknownConfiguration = true);
            return settings;
        });

    private static T Strictly<T>(string section, Func<T> bind)
    {
        try
        {
            return bind();
        }
        catch (InvalidOperationException ex)
        {
            var messages = new List<string>();
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                if (e is AggregateException aggregate)
                    messages.AddRange(aggregate.InnerExceptions.Select(i => i.Message));
                else
                    messages.Add(e.Message);
            }
            throw new ConfigurationFileException($"Configuration section '{section}': " + string.Join(" | ", messages.Skip(messages.Count > 1 ? 1 : 0)), ex);
        }
    }
}
