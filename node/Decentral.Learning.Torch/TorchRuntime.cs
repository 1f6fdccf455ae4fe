using TorchSharp;

namespace Decentral.Learning.Torch;

/// <summary>
/// One-time process setup for libtorch. Every model constructor calls <see cref="EnsureInitialized"/>
/// so that callers never see the native library half-loaded.
/// </summary>
public static class TorchRuntime
{
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

            torch.InitializeDeviceType(DeviceType.CPU);
            torch.set_num_threads(1);
            torch.set_num_interop_threads(1);
            initialized = true;
        }
    }
}
