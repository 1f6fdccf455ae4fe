using Decentral.Baselines;
using Decentral.Learning;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>
/// What a node learns, as the shared learning factory is asked for it: the same request a
/// simulation with the run seed <c>learning:partition:seed</c> and <c>learning:partition:count</c>
/// nodes makes, so node k trains on exactly the samples simulated node k holds (a test compares
/// the two), and keeps only that share of the training data in memory. With
/// <c>learning:dataFolder</c> the node holds the whole folder (one share of one).
/// </summary>
public static class NodeLearning
{
    /// <summary>The learning request of a node's options.</summary>
    public static LearningRequest Request(NodeRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var l = options.Learning;
        return new LearningRequest(l.ToShared(), l.Partition.Seed, l.DataFolder is null ? l.Partition.Count : 1)
        {
            UpdateScale = LearningRequest.ModelsAveragedPerStep(options.Node.Algorithm, options.Protocol.SampleSize, new DpsgdOptions()),
            DataRoot = l.DataRoot,
            ImageFolder = l.DataFolder,
            OnlySlot = TrainerIndex(options),
        };
    }

    /// <summary>The share this node trains on: its partition index, or 0 with a data folder of its own.</summary>
    public static int TrainerIndex(NodeRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Learning.DataFolder is null ? options.Learning.Partition.Index : 0;
    }
}
