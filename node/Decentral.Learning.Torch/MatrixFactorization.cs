using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decentral.Learning.Torch;

/// <summary>
/// Biased matrix factorisation: rating(u, i) = p_u . q_i + b_u + b_i + g, with
/// <see cref="Factors"/> latent factors per user and item, trained with mean squared error.
/// The global bias g is a constant of the run, not trained: the initial parameters set it to the
/// mean training rating. Trained on one node's ratings (one user, in the MovieLens setup) its
/// gradient equals that user's bias gradient, so local SGD would split the user's offset between
/// b_u and g, and averaging the nodes' models would turn g into a noisy mean of the sampled users'
/// offsets (test RMSE rose above the mean predictor's when it was trained).
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

    // The alpha of the additions in forward, held for the module's lifetime. The Tensor + Tensor
    // operator creates an implicit Scalar alpha = 1 and passes only its native handle on, so the
    // garbage collector may finalize (free) that Scalar on the finalizer thread while the native
    // add still reads it; libtorch then sees a garbage alpha and throws "value cannot be converted
    // to type float without overflow" from toFloat (seen once mid-run, with several training
    // threads allocating). A Scalar referenced from a field cannot be collected during the call.
    private readonly Scalar one = 1.0f.ToScalar();

    /// <summary>Creates the model for the given id spaces.</summary>
    public MatrixFactorization(int users, int items)
        : base(nameof(MatrixFactorization))
    {
        userFactors = nn.Embedding(users, Factors);
        itemFactors = nn.Embedding(items, Factors);
        userBias = nn.Embedding(users, 1);
        itemBias = nn.Embedding(items, 1);
        globalBias = new Parameter(zeros(1), requires_grad: false);

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
        return dot.add(userBias.forward(users).squeeze(1), one).add(itemBias.forward(items).squeeze(1), one).add(globalBias, one);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            one.Dispose();
        }

        base.Dispose(disposing);
    }
}
