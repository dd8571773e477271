using System.Diagnostics;
using System.Text;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>`unihcp` started as its own process (a pipeline stage), its output captured as it comes.</summary>
internal sealed class StageProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private StageProcess(string name, IEnumerable<string> arguments)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "unihcp.dll"));
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        // Drained at once: a full pipe would block the child on its next log line.
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static StageProcess Start(string name, params string[] arguments) => new(name, arguments);

    /// <summary>True when the process ended within <paramref name="timeout"/>; killed otherwise.</summary>
    public async Task<bool> ExitsWithinAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(timeout)) == exited)
            return true;
        Kill();
        return false;
    }

    /// <summary>SIGKILL: no shutdown, nothing committed on the way out.</summary>
    /// <summary>Waits (up to two minutes) until <paramref name="condition"/> holds; fails at once, with the process's
    /// log, when the process exits meanwhile, and kills it when the time is up.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            Assert.False(HasExited, $"the {Name} process exited early: " + Log);
            if (DateTime.UtcNow > deadline)
            {
                Kill();
                Assert.Fail($"the {Name} process did nothing in time: " + Log);
            }
            await Task.Delay(10);
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_log)
            _log.AppendLine(line);
    }
}
