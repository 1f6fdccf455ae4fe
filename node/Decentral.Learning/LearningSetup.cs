namespace Decentral.Learning;

/// <summary>
/// The learning side of a run: the shared task (architecture, initial model, evaluation) and a
/// trainer per node over that node's partition. The modelled mode uses the cheap synthetic task;
/// the real-learning mode plugs in TorchSharp models on real data through the same shape.
/// </summary>
/// <param name="Task">The task shared by all nodes.</param>
/// <param name="TrainerFor">Creates (or returns) the trainer of a node index.</param>
/// <param name="Description">One line saying what is learned, for the console and reports.</param>
public sealed record LearningSetup(ILearningTask Task, Func<int, ILocalTrainer> TrainerFor, string Description);
