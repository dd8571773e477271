using UniHCP.Pipeline.Cli;

return await UnihcpCommand.Create().Parse(args).InvokeAsync();
