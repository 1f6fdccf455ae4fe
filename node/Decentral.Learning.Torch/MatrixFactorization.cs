using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Biased matrix factorisation: rating(u, i) = p_u . q_i + b_u + b_i + g, with
/// <see cref="Factors"/> latent factors per user and item, trained with mean squared error.
/// </summary>
internal sealed class MatrixFactorization : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Latent factors per user and per item.</summary>
    public const int Factors = 20;

    /// <summary>Name of the global bias parameter in the flat layout.</summary>
    public const string GlobalBiasName = nameof(globalBias);

    private readonly Embedding userFactors;
    private readonly Embedding itemFactors;
    private readonly Embedding userBias;
    private readonly Embedding itemBias;
    private readonly Parameter globalBias;

    /// <summary>Creates the model for the given id spaces.</summary>
    public MatrixFactorization(int users, int items)
        : base(nameof(MatrixFactorization))
    {
        userFactors = nn.Embedding(users, Factors);
        itemFactors = nn.Embedding(items, Factors);
        userBias = nn.Embedding(users, 1);
        itemBias = nn.Embedding(items, 1);
        globalBias = new Parameter(zeros(1));

        // Explicit registration fixes the flat parameter order, which is part of the layout id:
        // torch lists the module's own parameter (the global bias) first, then the embeddings.
        register_module(nameof(userFactors), userFactors);
        register_module(nameof(itemFactors), itemFactors);
        register_module(nameof(userBias), userBias);
        register_module(nameof(itemBias), itemBias);
        register_parameter(nameof(globalBias), globalBias);
    }

    /// <summary>Layout id for the given id spaces.</summary>
    public static string LayoutId(int users, int items) => $"mf{Factors}/u{users}/i{items}/v1";

    /// <summary>Predicted ratings, shape [batch], for int64 user and item ids of shape [batch].</summary>
    public override Tensor forward(Tensor users, Tensor items)
    {
        var dot = (userFactors.forward(users) * itemFactors.forward(items)).sum(1);
        return dot + userBias.forward(users).squeeze(1) + itemBias.forward(items).squeeze(1) + globalBias;
    }
}
