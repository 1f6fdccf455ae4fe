using System.Diagnostics;
using Decentral.Fuzz;

// decentral-fuzz: fuzz targets for every wire decoder.
//   list                                 the targets
//   afl TARGET                           AFL++ fork server (run under afl-fuzz, see scripts/fuzz.sh)
//   run TARGET PATH...                   each file (or every file of each folder) once: 0 = no crash
//   seeds TARGET DIR                     write the target's code-made seeds into DIR
//   mutate TARGET COUNT [SEED]           COUNT seeded mutations of the corpus (the CI tier), with timing
if (args is ["list"])
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine($"{t.Name,-16} {t.Decoder}");
    }

    return 0;
}

if (args is ["afl", var name])
{
    // Instrumented code may only run once SharpFuzz has mapped AFL's coverage memory, so even
    // the target lookup (its static state) happens inside the first execution.
    FuzzTarget? chosen = null;
    SharpFuzz.Fuzzer.Run(stream =>
    {
        chosen ??= FuzzTargets.Find(name) ?? throw new ArgumentException($"unknown target {name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        chosen.Run(copy.ToArray());
    });
    return 0;
}

if (args.Length < 2 || FuzzTargets.Find(args[1]) is not { } target)
{
    Console.Error.WriteLine("usage: decentral-fuzz list | afl TARGET | run TARGET PATH... | seeds TARGET DIR | mutate TARGET COUNT [SEED]");
    Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

switch (args[0])
{
    case "run":
        var crashes = 0;
        foreach (var file in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                crashes++;
                Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }

        Console.WriteLine($"{crashes} crashes");
        return crashes == 0 ? 0 : 1;
    case "seeds" when args.Length == 3:
        Directory.CreateDirectory(args[2]);
        var n = 0;
        foreach (var seed in target.Seeds())
        {
            File.WriteAllBytes(Path.Combine(args[2], $"seed-{n++:D3}"), seed);
        }

        return 0;
    case "mutate" when args.Length >= 3:
        var count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var mutator = new Mutator(Corpus.Load(target), args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var input = mutator.Next();
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                Console.WriteLine($"input {i} ({Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 256)))}): {e.GetType().Name}: {e.Message}");
                return 1;
            }
        }

        Console.WriteLine($"{target.Name}: {count} inputs, {watch.Elapsed.TotalSeconds:F1} s, {count / watch.Elapsed.TotalSeconds:F0}/s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB");
        return 0;
    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}
