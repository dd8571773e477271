using Microsoft.Extensions.Options;

namespace UniHCP.Pipeline.Cli;

/// <summary>Prints input errors to the command's error writer, one problem per line, and returns the exit code.</summary>
internal static class ErrorReporter
{
    public static int BadInput(TextWriter error, Exception problem)
    {
        if (problem is OptionsValidationException validation)
        {
            error.WriteLine("error: the configuration is not valid:");
            foreach (string failure in validation.Failures)
                error.WriteLine("  " + failure);
        }
        else
        {
            error.WriteLine("error: " + problem.Message);
        }
        return ExitCodes.BadInput;
    }
}
