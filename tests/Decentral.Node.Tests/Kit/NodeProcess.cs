using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Decentral.Telemetry;

namespace Decentral.Node.Tests.Kit;

/// <summary>
/// One decentral-node process started from the built program (dotnet decentral-node.dll, never
/// `dotnet run`), with its output collected line by line (and appended to a log file when one is
/// given). Tests wait for a line or a file state with a bounded timeout; disposing kills what
/// still runs.
/// </summary>
internal sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly StreamWriter? _log;
    private bool _logClosed;
    private bool _disposed;
    private bool _outputEnded;
    private int _exitCode;

    private NodeProcess(Process process, string dataDir, string? logFile)
    {
        _process = process;
        DataDir = dataDir;
        if (logFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
            _log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }

        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _ = Task.Run(OnExited);
    }

    /// <summary>The built program.</summary>
    public static string Program
    {
        get
        {
            // The test binaries sit in tests/Decentral.Node.Tests/bin/<Configuration>/net10.0.
            var testBin = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = testBin.Parent!.Name;
            for (var dir = testBin; dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node", "Decentral.Node", "bin", configuration, "net10.0", "decentral-node.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("decentral-node.dll not found; build node/Decentral.Node first.");
        }
    }

    /// <summary>The repository root (holds Decentral.sln).</summary>
    public static string Repository
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Decentral.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("Decentral.sln not found above the test binaries.");
        }
    }

    public string DataDir { get; }

    public int Pid { get; private set; }

    /// <summary>True once the process ended (or this object was disposed).</summary>
    public bool HasExited => _disposed || _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string TelemetryPath => Path.Combine(DataDir, "telemetry.jsonl");

    /// <summary>The process's peak resident set (VmHWM) in KiB, or null once it has exited.</summary>
    public long? PeakRssKiB => HasExited ? null : ProcStatus.Field(Pid, "VmHWM");

    /// <summary>The process's resident set now (VmRSS) in KiB, or null once it has exited.</summary>
    public long? RssKiB => HasExited ? null : ProcStatus.Field(Pid, "VmRSS");

    /// <summary>
    /// Starts `decentral-node` with <paramref name="args"/> in the working directory
    /// <paramref name="workingDirectory"/>; with <paramref name="logFile"/>, every line it prints is
    /// also appended to that file; with <paramref name="launcher"/>, that command runs `dotnet` (and
    /// must exec it, so the pid stays the node's: setpriv, say).
    /// </summary>
    public static NodeProcess Start(string dataDir, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null,
        string? logFile = null, IReadOnlyList<string>? launcher = null)
    {
        var info = new ProcessStartInfo(launcher is [var command, ..] ? command : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository,
        };
        foreach (var arg in launcher is { Count: > 0 } ? launcher.Skip(1).Append("dotnet") : [])
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add(Program);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        if (Environment.GetEnvironmentVariable("DECENTRAL_DATA") is null)
        {
            info.Environment["DECENTRAL_DATA"] = Path.Combine(Repository, "data");
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new NodeProcess(new Process { StartInfo = info, EnableRaisingEvents = true }, dataDir, logFile);
        process._process.Start();
        process.Pid = process._process.Id;
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Completes with the first line (already printed or to come) that matches.</summary>
    /// <remarks>A process that exits without printing it fails the wait at once (<see cref="NodeExitedException"/>), not at the timeout.</remarks>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var seen = _output.ToString().Split('\n').FirstOrDefault(match);
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }

            if (_outputEnded)
            {
                return Task.FromException<string>(Exited());
            }

            _waiters.Add((match, done));
        }

        return done.Task.WaitAsync(timeout);
    }

    /// <summary>Waits for the process to exit and returns its code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd's stop sends.</summary>
    public void Terminate() => _ = Kill(_process.Id, 15);

    /// <summary>SIGKILL: a crash with no chance to say goodbye.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>The telemetry rows written so far (a last line still being written is skipped).</summary>
    public List<RoundRow> Rows()
    {
        if (!File.Exists(TelemetryPath))
        {
            return [];
        }

        using var stream = new FileStream(TelemetryPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var rows = new List<RoundRow>();
        while (reader.ReadLine() is { } line)
        {
            if (RoundRow.TryParse(line, out var row))
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>node.json as it stands, or null.</summary>
    public NodeStatus? Status()
    {
        var path = Path.Combine(DataDir, NodeStatus.FileName);
        try
        {
            return File.Exists(path) && NodeStatus.TryParse(File.ReadAllText(path), out var status) ? status : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_log is not null)
        {
            lock (_output)
            {
                _logClosed = true;
                _log.Dispose();
            }
        }
    }

    // The process ended: once its output is read to the end, every wait still open fails.
    private void OnExited()
    {
        int code;
        try
        {
            _process.WaitForExit();
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return; // disposed meanwhile: nobody waits any more
        }

        List<TaskCompletionSource<string>> open;
        lock (_output)
        {
            _exitCode = code;
            _outputEnded = true;
            open = [.. _waiters.Select(w => w.Done)];
            _waiters.Clear();
        }

        foreach (var done in open)
        {
            done.TrySetException(Exited());
        }
    }

    private NodeExitedException Exited()
    {
        string[] last;
        lock (_output)
        {
            last = [.. _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5)];
        }

        return new NodeExitedException($"decentral-node (pid {Pid}, {DataDir}) exited with code {_exitCode} before printing the line waited for. Its last lines:\n{string.Join('\n', last)}");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_output)
        {
            _output.AppendLine(line);
            if (_log is not null && !_logClosed)
            {
                _log.WriteLine(line);
            }

            _waiters.RemoveAll(w =>
            {
                if (!w.Match(line))
                {
                    return false;
                }

                matched.Add(w.Done);
                return true;
            });
        }

        foreach (var done in matched)
        {
            done.TrySetResult(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A node process ended before it printed what a test or the soak waited for.</summary>
internal sealed class NodeExitedException(string message) : Exception(message);
