#:project ../../node/Decentral.Learning.Torch/Decentral.Learning.Torch.csproj
#:property OutputType=Exe
#:property Optimize=true
// TorchSharp training benchmark, run by scripts/bench-torch.sh. Prints "key<TAB>value" lines
// that the script turns into docs/benchmarks/torch.md. Uses Fashion-MNIST when fetched
// (throughput does not depend on pixel values) and same-shaped random images otherwise.
using System.Diagnostics;
using Decentral.Data;
using Decentral.Learning;
using Decentral.Learning.Torch;

int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1500;
const int Repeats = 3;
const int BatchSize = 32;

var catalog = new DataCatalog(DataCatalog.DefaultRoot());
var loaded = catalog.LoadImages(DataCatalog.FashionMnist);
ImageSplit data = loaded.IsSuccess ? loaded.Value : RandomImages();
Emit("data", loaded.IsSuccess ? "Fashion-MNIST (fetched)" : "random 28x28 images (Fashion-MNIST not fetched)");
Emit("rss_start_mb", RssMb("VmRSS"));

var clock = Stopwatch.StartNew();
TorchRuntime.EnsureInitialized();
using var task = new ImageClassificationTask(data.Test);
Emit("init_ms", clock.Elapsed.TotalMilliseconds.ToString("F0"));
Emit("rss_after_init_mb", RssMb("VmRSS"));
Emit("parameters", task.ParameterCount.ToString());

var options = new SgdOptions { LearningRate = 0.01, Momentum = 0.9, BatchSize = BatchSize, LocalSteps = steps };
var all = Enumerable.Range(0, data.Train.Count).ToArray();
var halves = new[] { all[..(all.Length / 2)], all[(all.Length / 2)..] };
using var trainers = TorchTrainers.ForImages(data.Train, [all, .. halves], options, seed: 1);
var start = new float[task.ParameterCount];
task.InitialParameters(1, start);
var result = new float[start.Length];

// Warm-up: first-call allocation and lazy native initialisation are not throughput.
TorchTrainers.ForImages(data.Train, [all], new SgdOptions { BatchSize = BatchSize, LocalSteps = 50 }, 2)[0].Train(start, result, 0);

var single = new List<double>();
var singleCpu = new List<double>();
var process = Process.GetCurrentProcess();
for (int r = 0; r < Repeats; r++)
{
    process.Refresh();
    var cpu = process.TotalProcessorTime;
    clock.Restart();
    var outcome = trainers[0].Train(start, result, r);
    double wall = clock.Elapsed.TotalSeconds;
    process.Refresh();
    single.Add(outcome.SamplesUsed / wall);
    singleCpu.Add(outcome.SamplesUsed / (process.TotalProcessorTime - cpu).TotalSeconds);
}

Emit("train_samples_per_s_1thread", Median(single).ToString("F0"));
Emit("train_samples_per_s_1thread_all", string.Join(" ", single.Select(s => s.ToString("F0"))));
Emit("train_samples_per_cpu_s_1thread", Median(singleCpu).ToString("F0"));
var trained = task.Evaluate(result);
Emit("test_accuracy_after_run", trained.Accuracy.ToString("F3"));
Emit("rss_training_peak_mb", RssMb("VmHWM"));

var pair = new List<double>();
for (int r = 0; r < Repeats; r++)
{
    clock.Restart();
    var runs = Enumerable.Range(1, 2).Select(node => Task.Factory.StartNew(
        () => trainers[node].Train(start, new float[start.Length], r), TaskCreationOptions.LongRunning)).ToArray();
    Task.WaitAll(runs);
    pair.Add(runs.Sum(t => t.Result.SamplesUsed) / clock.Elapsed.TotalSeconds);
}

Emit("train_samples_per_s_2threads_total", Median(pair).ToString("F0"));

// Flat parameter copies: what every round pays to move a model in and out of torch.
const int Copies = 2000;
using (var probe = new ModelWorkspace<LeNet5>(new LeNet5(28, 28, 10)))
{
    clock.Restart();
    for (int i = 0; i < Copies; i++)
    {
        probe.Flat.Write(start);
        probe.Flat.Read(result);
    }

    double perCopyUs = clock.Elapsed.TotalMicroseconds / Copies;
    Emit("flat_write_read_us", perCopyUs.ToString("F1"));
    Emit("flat_write_read_us_per_1m_params", (perCopyUs * 1e6 / start.Length).ToString("F0"));
}

clock.Restart();
var evaluation = task.Evaluate(result);
Emit("evaluate_10k_ms", clock.Elapsed.TotalMilliseconds.ToString("F0"));
Emit("evaluate_samples", evaluation.Samples.ToString());
// Matrix factorisation at MovieLens size (671 users, 9066 items, 20 factors): the dense
// embedding gradients make each step touch all ~204k parameters.
var ratings = RandomRatings(671, 9066, 100_004);
using var ratingsTask = new RatingsTask(ratings, TorchTrainers.MeanRating(ratings));
var mfOptions = new SgdOptions { LearningRate = 0.05, Momentum = 0.9, BatchSize = BatchSize, LocalSteps = steps };
using var mf = TorchTrainers.ForRatings(ratings, [Enumerable.Range(0, ratings.Count).ToArray()], mfOptions, seed: 1);
var mfStart = new float[ratingsTask.ParameterCount];
ratingsTask.InitialParameters(1, mfStart);
var mfResult = new float[mfStart.Length];
mf[0].Train(mfStart, mfResult, 0);
var mfRates = new List<double>();
for (int r = 0; r < Repeats; r++)
{
    clock.Restart();
    var outcome = mf[0].Train(mfStart, mfResult, r + 1);
    mfRates.Add(outcome.SamplesUsed / clock.Elapsed.TotalSeconds);
}

Emit("mf_parameters", ratingsTask.ParameterCount.ToString());
Emit("mf_train_ratings_per_s_1thread", Median(mfRates).ToString("F0"));
clock.Restart();
ratingsTask.Evaluate(mfResult);
Emit("mf_evaluate_100k_ms", clock.Elapsed.TotalMilliseconds.ToString("F0"));
Emit("rss_end_peak_mb", RssMb("VmHWM"));
return 0;

static void Emit(string key, string value) => Console.WriteLine($"{key}\t{value}");

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string RssMb(string field)
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
    long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    return (kb / 1024).ToString();
}

static RatingsDataset RandomRatings(int users, int items, int count)
{
    var random = new Random(2);
    var u = new int[count];
    var i = new int[count];
    var r = new float[count];
    for (int k = 0; k < count; k++)
    {
        u[k] = random.Next(users);
        i[k] = random.Next(items);
        r[k] = 0.5f * (1 + random.Next(10));
    }

    return new RatingsDataset("random-ratings", users, items, u, i, r, new long[count]);
}

static ImageSplit RandomImages()
{
    var random = new Random(1);
    ImageDataset Make(string name, int count)
    {
        var pixels = new float[count * 784];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)random.NextDouble();
        }

        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)random.Next(10);
        }

        return new ImageDataset(name, 28, 28, 10, pixels, labels);
    }

    return new ImageSplit(Make("random/train", 60000), Make("random/test", 10000));
}
