namespace Decentral.Learning;

/// <summary>
/// Multinomial logistic regression: parameters are a weight matrix W (classes x features,
/// row-major) followed by a bias per class. Pure functions over spans; SIMD through
/// <see cref="VectorMath"/>.
/// </summary>
public static class SoftmaxRegression
{
    /// <summary>Number of parameters for the given shape.</summary>
    public static int ParameterCount(int features, int classes) => checked((features * classes) + classes);

    /// <summary>
    /// Writes class probabilities of <paramref name="x"/> into <paramref name="probabilities"/>
    /// and returns the cross-entropy loss for <paramref name="label"/>.
    /// </summary>
    public static float Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int label, Span<float> probabilities)
    {
        int d = x.Length;
        int classes = probabilities.Length;
        var bias = parameters.Slice(d * classes, classes);
        float max = float.NegativeInfinity;
        for (int c = 0; c < classes; c++)
        {
            float z = VectorMath.Dot(parameters.Slice(c * d, d), x) + bias[c];
            probabilities[c] = z;
            max = Math.Max(max, z);
        }

        // Subtracting the max keeps exp() finite for any logits.
        float sum = 0;
        for (int c = 0; c < classes; c++)
        {
            probabilities[c] = MathF.Exp(probabilities[c] - max);
            sum += probabilities[c];
        }

        for (int c = 0; c < classes; c++)
        {
            probabilities[c] /= sum;
        }

        return -MathF.Log(Math.Max(probabilities[label], 1e-12f));
    }

    /// <summary>
    /// Adds the cross-entropy gradient of one sample, scaled by <paramref name="scale"/>, into
    /// <paramref name="gradient"/>; returns the sample's loss.
    /// </summary>
    public static float AccumulateGradient(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int label, float scale, Span<float> gradient, Span<float> probabilities)
    {
        int d = x.Length;
        int classes = probabilities.Length;
        float loss = Forward(parameters, x, label, probabilities);
        for (int c = 0; c < classes; c++)
        {
            // d loss / d z_c = p_c - 1[c == label].
            float g = (probabilities[c] - (c == label ? 1f : 0f)) * scale;
            VectorMath.Axpy(g, x, gradient.Slice(c * d, d));
            gradient[(d * classes) + c] += g;
        }

        return loss;
    }
}
