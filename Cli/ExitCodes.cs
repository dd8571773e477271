namespace UniHCP.Pipeline.Cli;

/// <summary>Process exit codes of `unihcp`.</summary>
internal static class ExitCodes
{
    /// <summary>Everything worked.</summary>
    public const int Success = 0;

    /// <summary>The command ran, but part of the work failed (e.g. a camera's source).</summary>
    public const int PartialFailure = 1;

    /// <summary>Bad configuration or arguments: nothing was done.</summary>
    public const int BadInput = 2;

    /// <summary>Interrupted (Ctrl+C) before the work was complete.</summary>
    public const int Interrupted = 130;
}
