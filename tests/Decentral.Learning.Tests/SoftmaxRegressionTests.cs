using Decentral.Learning;

namespace Decentral.Learning.Tests;

public class SoftmaxRegressionTests
{
    private static (ClassificationDataset Train, ClassificationDataset Test) Data(int seed = 1) =>
        SyntheticClassification.Generate(new SyntheticClassificationOptions { Seed = seed, TrainSamples = 10_000, TestSamples = 2_000 });

    [Fact]
    public void FederatedAveraging_OverNonIidNodes_LearnsWellAboveChance()
    {
        var (train, test) = Data();
        var task = new SoftmaxRegressionTask(test);
        var partition = DataPartition.Dirichlet(train, nodes: 20, alpha: 0.5, seed: 2);
        var options = new LocalTrainingOptions();
        var trainers = Enumerable.Range(0, 20).Select(n => new SoftmaxRegressionTrainer(train, partition, n, options, seed: 3)).ToArray();
        var model = new float[task.ParameterCount];
        task.InitialParameters(7, model);
        double initial = task.Evaluate(model).Accuracy;
        Assert.InRange(initial, 0.0, 0.25);

        var local = new float[model.Length];
        for (int round = 1; round <= 60; round++)
        {
            // FedAvg over a rotating sample of 10 nodes, weighted by samples used.
            var sum = new double[model.Length];
            long weight = 0;
            for (int k = 0; k < 10; k++)
            {
                var trainer = trainers[((round * 7) + k) % trainers.Length];
                var outcome = trainer.Train(model, local, round);
                for (int i = 0; i < local.Length; i++)
                {
                    sum[i] += local[i] * (double)outcome.SamplesUsed;
                }

                weight += outcome.SamplesUsed;
            }

            for (int i = 0; i < model.Length; i++)
            {
                model[i] = (float)(sum[i] / weight);
            }
        }

        var final = task.Evaluate(model);
        Assert.True(final.Accuracy > 0.6, $"accuracy {final.Accuracy}");
        Assert.True(final.Loss < task.Evaluate(Init(task)).Loss);
        Assert.Equal(test.Count, final.Samples);
    }

    private static float[] Init(SoftmaxRegressionTask task)
    {
        var p = new float[task.ParameterCount];
        task.InitialParameters(7, p);
        return p;
    }

    [Fact]
    public void Train_SameInputs_SameBytes_DifferentRound_DifferentResult()
    {
        var (train, test) = Data();
        var task = new SoftmaxRegressionTask(test);
        var partition = DataPartition.Iid(train.Count, 10, seed: 1);
        var trainer = new SoftmaxRegressionTrainer(train, partition, 4, new LocalTrainingOptions(), seed: 9);
        var start = Init(task);
        var a = new float[start.Length];
        var b = new float[start.Length];
        var c = new float[start.Length];
        var outcome = trainer.Train(start, a, 5);
        trainer.Train(start, b, 5);
        trainer.Train(start, c, 6);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(100, outcome.SamplesUsed);
        Assert.True(double.IsFinite(outcome.MeanLoss));
        Assert.Equal(task.LayoutId, new SoftmaxRegressionTask(test).LayoutId);
    }

    [Fact]
    public void DirichletPartition_CoversEverySampleOnce_AndSmallAlphaSkewsLabels()
    {
        var (train, _) = Data();
        double MeanClassesPerNode(double alpha)
        {
            var partition = DataPartition.Dirichlet(train, 50, alpha, seed: 5);
            var all = Enumerable.Range(0, 50).SelectMany(n => partition.SamplesOf(n).ToArray()).Order().ToArray();
            Assert.Equal(Enumerable.Range(0, train.Count), all);
            // Classes that make up at least 5% of a node's data.
            return Enumerable.Range(0, 50).Where(n => partition.CountOf(n) > 0).Average(n =>
            {
                var labels = partition.SamplesOf(n).ToArray().Select(s => train.Y[s]).ToList();
                return labels.GroupBy(l => l).Count(g => g.Count() >= 0.05 * labels.Count);
            });
        }

        double skewed = MeanClassesPerNode(0.1);
        double even = MeanClassesPerNode(100);
        Assert.True(skewed < 5, $"alpha 0.1: {skewed} classes per node");
        Assert.True(even > 9, $"alpha 100: {even} classes per node");
    }

    [Fact]
    public void VectorMath_MatchesScalarLoops()
    {
        var random = new Random(3);
        foreach (int n in new[] { 1, 7, 8, 16, 33, 100 })
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float expected = 0;
            for (int i = 0; i < n; i++)
            {
                expected += x[i] * y[i];
            }

            Assert.Equal(expected, VectorMath.Dot(x, y), 4);
            var z = (float[])y.Clone();
            VectorMath.Axpy(2f, x, z);
            Assert.All(Enumerable.Range(0, n), i => Assert.Equal(y[i] + (2f * x[i]), z[i], 5));
        }
    }
}
