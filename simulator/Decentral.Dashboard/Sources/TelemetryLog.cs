using System.Text;
using Decentral.Telemetry;

namespace Decentral.Dashboard.Sources;

/// <summary>
/// One telemetry.jsonl, read incrementally: each refresh reads only the bytes appended since the
/// last one, so a long run polled every 2 s costs its new rows, not the whole file. A line still
/// being written (no newline yet) is left for the next refresh; a complete line that is not a row
/// is skipped. A file that shrank or whose first line changed (the run was started again in the
/// same folder) is read again from the start, and <see cref="Generation"/> counts such restarts.
/// Thread-safe: requests for the same run share one instance.
/// </summary>
internal sealed class TelemetryLog(string path)
{
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<RoundRow> _rows = [];
    private byte[] _firstLine = [];
    private long _offset;

    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>How many times the file was found replaced and read again from the start.</summary>
    public int Generation { get; private set; }

    /// <summary>The rows from index <paramref name="from"/> on, as their JSON lines, and how many rows there are in all.</summary>
    public (IReadOnlyList<string> Lines, int Total) Lines(int from)
    {
        lock (_lock)
        {
            Refresh();
            var start = Math.Clamp(from, 0, _lines.Count);
            return (_lines.GetRange(start, _lines.Count - start), _lines.Count);
        }
    }

    /// <summary>Every row so far, parsed.</summary>
    public IReadOnlyList<RoundRow> Rows()
    {
        lock (_lock)
        {
            Refresh();
            return [.. _rows];
        }
    }

    private void Refresh()
    {
        FileStream stream;
        try
        {
            stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Reset();
            return;
        }

        using (stream)
        {
            if (stream.Length < _offset || !StartsWithFirstLine(stream))
            {
                Reset();
                Generation++;
            }

            if (stream.Length == _offset)
            {
                return;
            }

            stream.Position = _offset;
            var added = new byte[stream.Length - _offset];
            stream.ReadExactly(added);
            var complete = Array.LastIndexOf(added, (byte)'\n') + 1;
            if (complete == 0)
            {
                return;
            }

            if (_offset == 0)
            {
                _firstLine = added[..(Array.IndexOf(added, (byte)'\n') + 1)];
            }

            foreach (var line in Encoding.UTF8.GetString(added, 0, complete).Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                if (trimmed.Length > 0 && RoundRow.TryParse(trimmed, out var row))
                {
                    _lines.Add(trimmed);
                    _rows.Add(row);
                }
            }

            _offset += complete;
        }
    }

    private bool StartsWithFirstLine(FileStream stream)
    {
        if (_firstLine.Length == 0)
        {
            return true;
        }

        Span<byte> head = stackalloc byte[Math.Min(_firstLine.Length, 4096)];
        stream.Position = 0;
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(_firstLine.AsSpan(0, head.Length));
    }

    private void Reset()
    {
        _lines.Clear();
        _rows.Clear();
        _firstLine = [];
        _offset = 0;
    }
}
