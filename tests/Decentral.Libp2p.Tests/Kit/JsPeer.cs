using System.Diagnostics;
using System.Text.Json;

namespace Decentral.Libp2p.Tests.Kit;

/// <summary>
/// A js-libp2p peer (tests/interop/*.mjs) run as a child process. Its stdout is JSON lines; tests
/// wait for a matching event with a bounded timeout. Disposing closes stdin (the script stops)
/// and kills the process if it does not exit in time.
/// </summary>
internal sealed class JsPeer : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private readonly Process _process;
    private readonly List<JsonElement> _events = [];
    private readonly List<(Func<JsonElement, bool> Match, TaskCompletionSource<JsonElement> Tcs)> _waiters = [];
    private readonly System.Text.StringBuilder _stderr = new();

    private JsPeer(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
    }

    public static string InteropDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "interop");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/interop/package.json not found above the test binaries.");
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Runs `npm ci` in tests/interop once when node_modules is missing (CI usually did it).</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(InteropDirectory, "node_modules", "libp2p")))
            {
                return;
            }

            var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund")
            {
                WorkingDirectory = InteropDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("npm did not start");
            var stderr = npm.StandardError.ReadToEndAsync();
            await npm.StandardOutput.ReadToEndAsync();
            await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci failed: {await stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public static async Task<JsPeer> StartAsync(string script, params string[] arguments)
    {
        await EnsureInstalledAsync();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var peer = new JsPeer(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>The first event (past or future) matching <paramref name="match"/>, within the bounded timeout.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            foreach (var e in _events)
            {
                if (match(e))
                {
                    return e;
                }
            }

            _waiters.Add((match, tcs));
        }

        try
        {
            return await tcs.Task.WaitAsync(timeout ?? Bounded.Timeout);
        }
        catch (TimeoutException)
        {
            string seen;
            lock (_events)
            {
                seen = string.Join("\n", _events.Select(e => e.GetRawText()));
            }

            throw new TimeoutException($"js peer: no matching event. Seen:\n{seen}\nstderr:\n{Stderr}");
        }
    }

    public Task<JsonElement> WaitForEventAsync(string name, TimeSpan? timeout = null) =>
        WaitForAsync(e => e.GetProperty("event").GetString() == name, timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line) || line[0] != '{')
        {
            return;
        }

        var element = JsonDocument.Parse(line).RootElement.Clone();
        List<TaskCompletionSource<JsonElement>> matched = [];
        lock (_events)
        {
            _events.Add(element);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(element))
                {
                    matched.Add(_waiters[i].Tcs);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var tcs in matched)
        {
            tcs.TrySetResult(element);
        }
    }
}
