using System.Diagnostics;

namespace Decentral.Tests.Shared;

/// <summary>What a finished process printed and returned.</summary>
internal sealed record ExecutableResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs one of the project's built executables (a dll next to the test binaries, copied there
/// by the project reference) as its own process: what a user sees is its exit code and output.
/// Linked into the test projects that need it (one copy of the code).
/// </summary>
internal static class Executable
{
    /// <summary>Generous on a loaded 2-core machine: a process that started but hangs fails the test, a slow start does not.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static async Task<ExecutableResult> RunAsync(string dll, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {dll}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{dll} {string.Join(' ', start.ArgumentList.Skip(1))} did not exit within {Timeout}");
        }

        return new ExecutableResult(process.ExitCode, await stdout, await stderr);
    }
}
