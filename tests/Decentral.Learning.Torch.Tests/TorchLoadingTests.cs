using Decentral.Learning.Torch;
using TorchSharp;

namespace Decentral.Learning.Torch.Tests;

public sealed class TorchLoadingTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void EnsureInitialized_FreshBuild_LoadsLibTorchAndComputes()
    {
        TorchRuntime.EnsureInitialized();

        using var a = torch.ones(3, 4);
        using var b = torch.full(4, 2, 0.5f);
        using var product = a.matmul(b);

        Assert.Equal(new long[] { 3, 2 }, product.shape);
        Assert.Equal(2.0f, product[0, 0].item<float>());
        Assert.Equal(1, torch.get_num_threads());
    }

    [Fact]
    public void OutputCopy_OfLibTorchSharp_IsWeakExactlyWhenSystemLacksVersion()
    {
        string copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        byte[] elf = File.ReadAllBytes(copy);
        string? system = new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        }.FirstOrDefault(File.Exists);
        bool systemHasVersion = system != null && ElfVersionNeeds.DefinesVersion(File.ReadAllBytes(system), Version);

        // MarkWeak on a copy reports what the shipped file already says, without touching it.
        var outcome = ElfVersionNeeds.MarkWeak((byte[])elf.Clone(), Version);

        Assert.Equal(systemHasVersion ? ElfVersionNeeds.Outcome.Patched : ElfVersionNeeds.Outcome.AlreadyWeak, outcome);
    }
}
