using System.Globalization;
using Decentral.Simulator.Engine;

namespace Decentral.Simulator.Network;

/// <summary>
/// One-way latencies between S sites in milliseconds; entry (i, j) is the delay from site i to
/// site j and need not equal (j, i). Immutable.
/// </summary>
public sealed class SiteLatencyMatrix
{
    private readonly double[] _milliseconds;
    private readonly long[] _ticks;

    private SiteLatencyMatrix(int sites, double[] milliseconds)
    {
        Sites = sites;
        _milliseconds = milliseconds;
        _ticks = new long[milliseconds.Length];
        for (int i = 0; i < milliseconds.Length; i++)
        {
            _ticks[i] = SimTime.FromMilliseconds(milliseconds[i]);
        }
    }

    /// <summary>Number of sites.</summary>
    public int Sites { get; }

    /// <summary>One-way delay from site <paramref name="from"/> to <paramref name="to"/> in milliseconds.</summary>
    public double Milliseconds(int from, int to) => _milliseconds[Index(from, to)];

    /// <summary>One-way delay from site <paramref name="from"/> to <paramref name="to"/> in ticks.</summary>
    public long DelayTicks(int from, int to) => _ticks[Index(from, to)];

    /// <summary>All entries, row by row (from-site major).</summary>
    public ReadOnlySpan<double> Entries => _milliseconds;

    /// <summary>Builds a matrix from row-major entries; throws on a bad shape or value (a bug in the caller).</summary>
    public static SiteLatencyMatrix FromEntries(int sites, ReadOnlySpan<double> milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sites, 1);
        if (milliseconds.Length != sites * sites)
        {
            throw new ArgumentException($"A {sites}-site matrix has {sites * sites} entries, got {milliseconds.Length}.", nameof(milliseconds));
        }

        foreach (double v in milliseconds)
        {
            if (!double.IsFinite(v) || v < 0)
            {
                throw new ArgumentException($"Latency {v} ms is not a finite non-negative number.", nameof(milliseconds));
            }
        }

        return new SiteLatencyMatrix(sites, milliseconds.ToArray());
    }

    /// <summary>
    /// A synthetic asymmetric matrix: every entry, both directions and the diagonal, drawn
    /// independently from <paramref name="distribution"/> (default: fitted to the MoDeST facts).
    /// </summary>
    public static SiteLatencyMatrix Synthetic(int sites, int seed, LatencyDistribution? distribution = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sites, 1);
        distribution ??= LatencyDistribution.ModestSites;
        var random = new Random(seed);
        var entries = new double[sites * sites];
        for (int i = 0; i < entries.Length; i++)
        {
            // Rounded to 0.1 ms like a measured matrix; also makes CSV round trips exact.
            entries[i] = Math.Round(distribution.Sample(random), 1);
        }

        return new SiteLatencyMatrix(sites, entries);
    }

    /// <summary>
    /// Parses a CSV matrix: S lines of S comma-separated latencies in milliseconds (invariant
    /// culture, no header); blank lines and lines starting with '#' are skipped.
    /// </summary>
    public static LoadResult<SiteLatencyMatrix> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<double[]>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            string[] cells = trimmed.Split(',');
            var row = new double[cells.Length];
            for (int c = 0; c < cells.Length; c++)
            {
                string cell = cells[c].Trim();
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                {
                    return LoadResult<SiteLatencyMatrix>.Failure($"line {lineNumber}, column {c + 1}: '{cell}' is not a number (milliseconds expected).");
                }

                if (!double.IsFinite(v) || v < 0)
                {
                    return LoadResult<SiteLatencyMatrix>.Failure($"line {lineNumber}, column {c + 1}: latency {cell} ms must be finite and non-negative.");
                }

                row[c] = v;
            }

            if (rows.Count > 0 && row.Length != rows[0].Length)
            {
                return LoadResult<SiteLatencyMatrix>.Failure($"line {lineNumber}: {row.Length} values, but the first row has {rows[0].Length}.");
            }

            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            return LoadResult<SiteLatencyMatrix>.Failure("the matrix is empty.");
        }

        if (rows.Count != rows[0].Length)
        {
            return LoadResult<SiteLatencyMatrix>.Failure($"the matrix must be square: {rows.Count} rows of {rows[0].Length} values.");
        }

        var entries = new double[rows.Count * rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            rows[r].CopyTo(entries, r * rows.Count);
        }

        return LoadResult<SiteLatencyMatrix>.Success(new SiteLatencyMatrix(rows.Count, entries));
    }

    /// <summary>Loads a CSV matrix from a file; a missing file is a failure value naming the path.</summary>
    public static LoadResult<SiteLatencyMatrix> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return LoadResult<SiteLatencyMatrix>.Failure($"latency matrix file '{path}' does not exist.");
        }

        using var reader = new StreamReader(path);
        var result = Parse(reader);
        return result.IsSuccess ? result : LoadResult<SiteLatencyMatrix>.Failure($"{path}: {result.Error}");
    }

    /// <summary>Writes the matrix in the CSV format <see cref="Parse"/> reads.</summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        for (int r = 0; r < Sites; r++)
        {
            for (int c = 0; c < Sites; c++)
            {
                if (c > 0)
                {
                    writer.Write(',');
                }

                writer.Write(_milliseconds[(r * Sites) + c].ToString("R", CultureInfo.InvariantCulture));
            }

            writer.WriteLine();
        }
    }

    private int Index(int from, int to)
    {
        if ((uint)from >= (uint)Sites || (uint)to >= (uint)Sites)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"Sites {from}->{to} outside 0..{Sites - 1}.");
        }

        return (from * Sites) + to;
    }
}
