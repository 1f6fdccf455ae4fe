using System.Runtime.InteropServices;
using TorchSharp;

namespace Decentral.Learning.Torch;

/// <summary>
/// One-time process setup for libtorch. Every model constructor calls <see cref="EnsureInitialized"/>
/// so that callers never see the native library half-loaded.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Where the build puts the (possibly patched) TorchSharp native library.</summary>
    internal const string NativeFolder = "runtimes/linux-x64/native";

    private static readonly Lock Gate = new();
    private static bool initialized;

    /// <summary>
    /// Loads libtorch (about 0.5 s the first time) and limits intra-op parallelism to one thread:
    /// models train on separate .NET threads, and two threads inside one small model are no
    /// faster while oversubscribing the cores is about 2.5x slower.
    /// </summary>
    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (initialized)
            {
                return;
            }

            PreloadNativeLibraries();
            torch.InitializeDeviceType(DeviceType.CPU);
            torch.set_num_threads(1);
            torch.set_num_interop_threads(1);
            initialized = true;
        }
    }

    /// <summary>
    /// The build ships libLibTorchSharp.so (GLIBCXX_3.4.32 made weak where needed) in
    /// runtimes/linux-x64/native. A RID-specific build or publish puts libtorch*.so in the
    /// application folder instead, where TorchSharp looks for it and, not finding it, falls back
    /// to the unpatched copy in the NuGet cache. Loading libtorch first and then this library by
    /// full path lets the dynamic linker resolve the dependencies by soname, and TorchSharp's own
    /// lookup by name then finds the library already loaded. In the portable layout these are the
    /// very files TorchSharp would load anyway.
    /// </summary>
    private static void PreloadNativeLibraries()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string baseDirectory = AppContext.BaseDirectory;
        string[] folders = [Path.Combine(baseDirectory, NativeFolder), baseDirectory];
        string? torchFolder = Array.Find(folders, f => File.Exists(Path.Combine(f, "libtorch_cpu.so")));
        string? sharp = folders.Select(f => Path.Combine(f, "libLibTorchSharp.so")).FirstOrDefault(File.Exists);
        if (torchFolder is null || sharp is null)
        {
            // Not our layout (e.g. a host that resolves natives itself): leave it to TorchSharp.
            return;
        }

        foreach (string name in (string[])["libc10.so", "libtorch_cpu.so", "libtorch.so"])
        {
            NativeLibrary.Load(Path.Combine(torchFolder, name));
        }

        NativeLibrary.Load(sharp);
    }
}
