using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch.Tests;

public sealed class FlatParametersTests
{
    [Property(MaxTest = 30)]
    public Property WriteThenRead_AnyFloats_RoundTripsBitExactly(int seed)
    {
        TorchRuntime.EnsureInitialized();
        using var model = new LeNet5(28, 28, 10);
        var flat = new FlatParameters(model);
        var random = new Random(seed);
        var source = new float[flat.Count];
        random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(source.AsSpan()));
        var back = new float[flat.Count];

        flat.Write(source);
        flat.Read(back);

        // Random bit patterns include NaNs with payloads and denormals: compare the bits.
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(source.AsSpan())
            .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.AsSpan())).ToProperty();
    }

    [Fact]
    public void Write_PutsValuesIntoParametersInRegistrationOrder()
    {
        TorchRuntime.EnsureInitialized();
        using var model = new LeNet5(28, 28, 10);
        var flat = new FlatParameters(model);
        var source = Enumerable.Range(0, flat.Count).Select(i => (float)i).ToArray();

        flat.Write(source);

        var parameters = model.named_parameters().ToArray();
        Assert.Equal("conv1.weight", parameters[0].name);
        Assert.Equal(0f, parameters[0].parameter[0, 0, 0, 0].item<float>());
        Assert.Equal("conv1.bias", parameters[1].name);
        Assert.Equal(150f, parameters[1].parameter[0].item<float>());
        Assert.Equal("fc3.bias", parameters[^1].name);
        Assert.Equal(flat.Count - 1f, parameters[^1].parameter[9].item<float>());
    }

    [Fact]
    public void Write_WrongLength_Throws()
    {
        TorchRuntime.EnsureInitialized();
        using var model = new LeNet5(28, 28, 10);
        var flat = new FlatParameters(model);

        Assert.Throws<ArgumentException>(() => flat.Write(new float[flat.Count - 1]));
        Assert.Throws<ArgumentException>(() => flat.Read(new float[flat.Count + 1]));
    }

    [Fact]
    public void Step_WithMomentum_MatchesTorchOptimSgd()
    {
        TorchRuntime.EnsureInitialized();
        var data = SyntheticData.Images(32, 8);
        using var reference = new LeNet5(28, 28, 10);
        using var workspace = new ModelWorkspace<LeNet5>(new LeNet5(28, 28, 10));
        var start = new float[workspace.Flat.Count];
        InitialWeights.FanInUniform(workspace.Flat.Shapes, new Random(3), start);
        new FlatParameters(reference).Write(start);
        workspace.Flat.Write(start);
        using var optimizer = optim.SGD(reference.parameters(), 0.05, momentum: 0.9);
        using var input = ModelWorkspace<LeNet5>.FloatTensor(data.Pixels, 32, 1, 28, 28);
        using var target = ModelWorkspace<LeNet5>.LongTensor(data.Labels.Select(l => (long)l).ToArray());

        for (int step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            using (var loss = nn.functional.cross_entropy(reference.forward(input), target))
            {
                loss.backward();
            }

            optimizer.step();
            workspace.Model.zero_grad();
            using (var loss = nn.functional.cross_entropy(workspace.Model.forward(input), target))
            {
                loss.backward();
            }

            workspace.Step(0.05, 0.9);
        }

        var expected = new float[start.Length];
        var actual = new float[start.Length];
        new FlatParameters(reference).Read(expected);
        workspace.Flat.Read(actual);
        Assert.NotEqual(start, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-6f);
        }
    }
}
