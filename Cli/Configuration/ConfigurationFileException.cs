namespace UniHCP.Pipeline.Cli.Configuration;

/// <summary>The configuration could not be read or bound; the message says where and why.</summary>
internal sealed class ConfigurationFileException : Exception
{
    public ConfigurationFileException(string message)
        : base(message)
    {
    }

    public ConfigurationFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
