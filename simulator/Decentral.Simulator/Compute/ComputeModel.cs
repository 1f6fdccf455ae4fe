using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Compute;

/// <summary>
/// FedScale's cost model of local training: a forward and backward pass cost about three times
/// a forward pass, so time = 3 x batch x local steps x (ms per sample) / 1000 seconds. Transfer
/// time is not included here: the simulated network accounts for it.
/// </summary>
public static class ComputeModel
{
    /// <summary>Training time in ticks for one local-training call.</summary>
    public static long TrainingTicks(int batchSize, int localSteps, double msPerSample)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(localSteps);
        if (!(msPerSample >= 0) || double.IsInfinity(msPerSample))
        {
            throw new ArgumentOutOfRangeException(nameof(msPerSample), msPerSample, "Must be finite and non-negative.");
        }

        return SimTime.FromMilliseconds(3.0 * batchSize * localSteps * msPerSample);
    }

    /// <summary>Training time as a duration.</summary>
    public static TimeSpan TrainingTime(int batchSize, int localSteps, double msPerSample) =>
        SimTime.ToTimeSpan(TrainingTicks(batchSize, localSteps, msPerSample));
}
