using System.CommandLine;
using UniHCP.Pipeline.Cli;

// Ctrl+C cancels the command's token; the process then waits for the command to finish (a pipeline drains what is
// in flight into the database) instead of System.CommandLine's default of killing it after two seconds.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(10) };
return await UnihcpCommand.InvokeAsync(args, invocation);
