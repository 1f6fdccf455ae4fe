using System.Diagnostics;
using System.Text.Json;

namespace Decentral.Tests.Shared;

/// <summary>
/// A script of tests/interop (js-libp2p, Node 20.19+) run as a child process; every script writes
/// JSON lines with an <c>event</c> field to stdout. The lines land in <see cref="Events"/>, stderr
/// is kept for failure messages, and a wait fails at once, with that stderr, when the process
/// exits first. The first start in a test process installs tests/interop's packages if they are
/// missing (npm ci under a lock shared by all processes, so test projects run side by side never
/// install over each other's running peers). Disposing sends the stop command if the script takes
/// one, closes stdin (every script stops then) and kills the process if it has not exited in time.
/// Linked into the test projects that run js peers.
/// </summary>
internal sealed class JsProcess : IAsyncDisposable
{
    // Generous: an upper bound for a loaded 2-core machine; an exited peer fails at once instead.
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(2);
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool s_installed;
    private readonly Process _process;
    private readonly string _script;
    private readonly object? _stopCommand;
    private readonly List<string> _stderr = [];

    private JsProcess(Process process, string script, object? stopCommand)
    {
        _process = process;
        _script = script;
        _stopCommand = stopCommand;
    }

    public static string InteropDirectory => Path.Combine(Repository.Root, "tests", "interop");

    public EventLog<JsonElement> Events { get; } = new();

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>Starts <c>node <paramref name="script"/> <paramref name="arguments"/></c> in tests/interop.</summary>
    /// <param name="stopCommand">A JSON command the script stops on, sent before stdin is closed; null when closing stdin is enough.</param>
    public static async Task<JsProcess> StartAsync(string script, IEnumerable<string> arguments, object? stopCommand = null)
    {
        await EnsureInstalledAsync();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var peer = new JsProcess(process, script, stopCommand);
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (peer._stderr)
                {
                    peer._stderr.Add(line);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    public static bool Is(JsonElement e, string eventName) => e.GetProperty("event").GetString() == eventName;

    /// <summary>
    /// The first event (past or future) matching <paramref name="match"/>. Fails at once when the
    /// script exits without it, after <paramref name="timeout"/> (default two minutes) otherwise.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what = "a matching event", TimeSpan? timeout = null)
    {
        var found = Events.WaitForAsync(match, timeout ?? DefaultWait);
        if (await Task.WhenAny(found, _process.WaitForExitAsync()) != found)
        {
            // The exit waits for stdout to be drained, so an event written before exiting is in the log.
            var logged = Events.Snapshot().Where(match).ToList();
            if (logged.Count > 0)
            {
                return logged[0];
            }

            throw new InvalidOperationException($"The js peer {_script} exited with code {_process.ExitCode} before {what}.\nevents:\n{EventText()}\nstderr:\n{Stderr}");
        }

        try
        {
            return await found;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"js peer {_script}: {e.Message} (waiting for {what})\nevents:\n{EventText()}\nstderr:\n{Stderr}", e);
        }
    }

    public Task<JsonElement> WaitForEventAsync(string name, TimeSpan? timeout = null) =>
        WaitForAsync(e => Is(e, name), $"event '{name}'", timeout);

    public void Send(object command)
    {
        _process.StandardInput.WriteLine(JsonSerializer.Serialize(command));
        _process.StandardInput.Flush();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_stopCommand is not null && !_process.HasExited)
            {
                Send(_stopCommand);
            }

            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    /// <summary>Runs npm ci in tests/interop unless a finished install is there (CI has usually done it).</summary>
    private static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (s_installed)
            {
                return;
            }

            // flock(1) serializes the check and the install across processes. npm writes
            // node_modules/.package-lock.json as the last step of an install, and npm ci deletes
            // node_modules first, so the file marks a finished install.
            var info = new ProcessStartInfo("flock")
            {
                WorkingDirectory = InteropDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { Path.Combine(InteropDirectory, ".npm-install.lock"), "sh", "-c", "[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error" })
            {
                info.ArgumentList.Add(argument);
            }

            using var npm = Process.Start(info) ?? throw new InvalidOperationException("flock did not start");
            var stderr = npm.StandardError.ReadToEndAsync();
            await npm.StandardOutput.ReadToEndAsync();
            await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {InteropDirectory} failed (exit code {npm.ExitCode}): {await stderr}");
            }

            s_installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private string EventText() => string.Join('\n', Events.Snapshot().Select(e => e.GetRawText()));

    private void OnLine(string? line)
    {
        // Scripts may print a non-JSON line (a library's warning): only JSON objects are events.
        if (!string.IsNullOrWhiteSpace(line) && line[0] == '{')
        {
            Events.Add(JsonDocument.Parse(line).RootElement.Clone());
        }
    }
}
