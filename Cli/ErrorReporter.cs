using Microsoft.Extensions.Options;

namespace UniHCP.Pipeline.Cli;

/// <summary>Prints input errors to stderr, one problem per line, and returns the exit code.</summary>
internal static class ErrorReporter
{
    public static int BadInput(Exception error)
    {
        if (error is OptionsValidationException validation)
        {
            Console.Error.WriteLine("error: the configuration is not valid:");
            foreach (string failure in validation.Failures)
                Console.Error.WriteLine("  " + failure);
        }
        else
        {
            Console.Error.WriteLine("error: " + error.Message);
        }
        return ExitCodes.BadInput;
    }
}
