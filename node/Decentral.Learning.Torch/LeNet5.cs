using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// LeNet-5 style CNN for single-channel images: conv 6@5x5 (pad 2), max-pool 2, conv 16@5x5,
/// max-pool 2, fully connected 120, 84 and one output per class, ReLU activations. On 28x28
/// input with 10 classes it has 61,706 parameters.
/// </summary>
internal sealed class LeNet5 : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;

    /// <summary>Creates the network for <paramref name="height"/>x<paramref name="width"/> images.</summary>
    public LeNet5(int height, int width, int classes)
        : base(nameof(LeNet5))
    {
        long flatHeight = FeatureSide(height);
        long flatWidth = FeatureSide(width);
        conv1 = nn.Conv2d(1, 6, 5, padding: 2);
        conv2 = nn.Conv2d(6, 16, 5);
        fc1 = nn.Linear(16 * flatHeight * flatWidth, 120);
        fc2 = nn.Linear(120, 84);
        fc3 = nn.Linear(84, classes);

        // Explicit registration fixes the flat parameter order, which is part of the layout id.
        register_module(nameof(conv1), conv1);
        register_module(nameof(conv2), conv2);
        register_module(nameof(fc1), fc1);
        register_module(nameof(fc2), fc2);
        register_module(nameof(fc3), fc3);
    }

    /// <summary>Layout id for the given input shape and class count.</summary>
    public static string LayoutId(int height, int width, int classes) => $"lenet5/{height}x{width}x1/c{classes}/v1";

    /// <summary>Logits, shape [batch, classes], for input of shape [batch, 1, height, width].</summary>
    public override Tensor forward(Tensor input)
    {
        var x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(input)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = nn.functional.relu(fc1.forward(x.flatten(1)));
        x = nn.functional.relu(fc2.forward(x));
        return fc3.forward(x);
    }

    private static long FeatureSide(int side)
    {
        // pad-2 conv keeps the side, pool halves it, the 5x5 conv takes 4, pool halves again.
        long afterSecondConv = (side / 2) - 4;
        if (afterSecondConv < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(side), side, "Images must be at least 12 pixels on each side.");
        }

        return afterSecondConv / 2;
    }
}
