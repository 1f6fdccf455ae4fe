using System.Text;
using Decentral.Simulator.Churn;
using Decentral.Simulator.Compute;
using Decentral.Simulator.Engine;
using Decentral.Learning;
using Decentral.Simulator.Network;

namespace Decentral.Simulator.Tests.Engine;

public class EndToEndDeterminismTests
{
    /// <summary>
    /// A small server-style FL loop on every engine part: a coordinator (node 0) sends the model
    /// to 5 random online nodes each round, they train for their modelled compute time and send
    /// the result back over a bandwidth-limited site-latency network, while nodes crash and
    /// rejoin. The whole log, including model bytes, is the output.
    /// </summary>
    private sealed class FlLoop : IMessageHandler, IChurnHandler
    {
        private const int Nodes = 30;
        private readonly Simulation _sim = new();
        private readonly SimNetwork _net;
        private readonly Random _random;
        private readonly SoftmaxRegressionTask _task;
        private readonly SoftmaxRegressionTrainer[] _trainers;
        private readonly DeviceProfiles _devices;
        private readonly StringBuilder _log = new();
        private readonly List<float[]> _received = [];
        private float[] _model;
        private int _round;
        private int _expected;

        public FlLoop(int seed)
        {
            _random = new Random(seed);
            var latency = new SiteLatencyModel(SiteLatencyMatrix.Synthetic(10, seed), seed);
            _net = new SimNetwork(_sim, latency, new NetworkOptions { NodeCount = Nodes, Seed = seed, LossProbability = 0.02, DefaultUploadBytesPerSecond = 50_000, DefaultDownloadBytesPerSecond = 100_000 });
            var (train, test) = SyntheticClassification.Generate(new SyntheticClassificationOptions { Seed = seed, TrainSamples = 3_000, TestSamples = 500 });
            var partition = DataPartition.Dirichlet(train, Nodes, 0.5, seed);
            _trainers = Enumerable.Range(0, Nodes).Select(n => new SoftmaxRegressionTrainer(train, partition, n, new LocalTrainingOptions(), seed)).ToArray();
            _task = new SoftmaxRegressionTask(test);
            _devices = DeviceProfiles.Synthetic(Nodes, seed);
            _model = new float[_task.ParameterCount];
            _task.InitialParameters(seed, _model);
            var churn = ChurnGenerators.Sessions(Enumerable.Range(1, Nodes - 1).ToArray(), SessionDistribution.Weibull(0.5, TimeSpan.FromMinutes(5)), SessionDistribution.Exponential(TimeSpan.FromMinutes(2)), TimeSpan.FromHours(1), 0.3, seed);
            ChurnDriver.Start(_sim, churn, this);
        }

        public string Run()
        {
            _sim.ScheduleAt(0, NextRound);
            _sim.RunUntil(SimTime.FromSeconds(1800));
            var evaluation = _task.Evaluate(_model);
            _log.Append($"rounds {_round} accuracy {evaluation.Accuracy:R} events {_sim.EventsProcessed} bytes {_net.Counters.TotalBytesSent}");
            return _log.ToString();
        }

        public void OnChurn(in ChurnEvent e)
        {
            _log.Append($"{_sim.Now} {e.Kind} {e.Node}\n");
            _net.SetOnline(e.Node, e.Kind == ChurnKind.Join);
        }

        public void OnDelivered(in SimMessage m)
        {
            if (m.To != 0)
            {
                // A trainer got the model: train for the modelled time, then send the result back.
                var start = (float[])m.Payload!;
                var result = new float[start.Length];
                _trainers[m.To].Train(start, result, _round);
                int node = m.To;
                _sim.ScheduleAfter(_devices.TrainingTicks(node, 20, 5), () =>
                {
                    // A trainer that crashed meanwhile sends nothing; the round must not wait for it.
                    if (_net.Send(node, 0, result.Length * 4L, 1, result, this) == SendStatus.SenderOffline)
                    {
                        Complete();
                    }
                });
                return;
            }

            _received.Add((float[])m.Payload!);
            _log.Append($"{_sim.Now} got {m.From} {BitConverter.ToString(BitConverter.GetBytes(((float[])m.Payload!)[0]))}\n");
            Complete();
        }

        public void OnFailed(in SimMessage m, DeliveryFailure failure)
        {
            _log.Append($"{_sim.Now} fail {m.From}->{m.To} {failure}\n");
            if (m.To == 0 || m.TypeId == 0)
            {
                Complete();
            }
        }

        private void Complete()
        {
            if (--_expected > 0)
            {
                return;
            }

            if (_received.Count > 0)
            {
                for (int i = 0; i < _model.Length; i++)
                {
                    _model[i] = _received.Average(r => r[i]);
                }
            }

            _received.Clear();
            _sim.ScheduleAfter(SimTime.FromSeconds(1), NextRound);
        }

        private void NextRound()
        {
            _round++;
            var online = Enumerable.Range(1, Nodes - 1).Where(_net.IsOnline).ToList();
            _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(online));
            var sample = online.Take(5).ToList();
            _expected = sample.Count;
            if (_expected == 0)
            {
                _sim.ScheduleAfter(SimTime.FromSeconds(10), NextRound);
                return;
            }

            var snapshot = (float[])_model.Clone();
            foreach (int node in sample)
            {
                _net.Send(0, node, snapshot.Length * 4L, 0, snapshot, this);
            }
        }
    }

    [Fact]
    public void WholeEngine_SameSeed_SameLog_DifferentSeed_DifferentLog()
    {
        string a = new FlLoop(21).Run();
        string b = new FlLoop(21).Run();
        string c = new FlLoop(22).Run();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Contains("Crash", a);
        Assert.Contains(" got ", a);
        // Rounds keep completing through the churn and the model learns.
        var summary = a[(a.LastIndexOf('\n') + 1)..].Split(' ');
        Assert.True(int.Parse(summary[1]) > 20, a[(a.LastIndexOf('\n') + 1)..]);
        Assert.True(double.Parse(summary[3], System.Globalization.CultureInfo.InvariantCulture) > 0.6, a[(a.LastIndexOf('\n') + 1)..]);
    }
}
