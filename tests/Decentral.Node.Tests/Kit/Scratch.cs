namespace Decentral.Node.Tests.Kit;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "decentral-node-test-" + Guid.NewGuid().ToString("N")[..8]);

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still closes a file; the OS cleans temp folders.
        }
    }
}
