using System.Buffers.Binary;
using Decentral.Libp2p.Records;
using Decentral.Node.Runtime.State;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime.Peers;

/// <summary>
/// <c>&lt;data dir&gt;/peers.bin</c>: the signed peer records of the address book, so a restarted
/// node can dial the peers it knew. Without it, a restarted node whose bootstrap peer is itself
/// (or down) knows peer ids from its checkpoint but no address, and stays alone when the others'
/// overlays are full. The file holds the records' signed envelopes, each behind a 4-byte
/// big-endian length; every one is verified again when loaded, so a stale or tampered file can
/// only cost a failed dial. Written atomically (<see cref="AtomicFile"/>), and only when the
/// records changed.
/// </summary>
internal sealed class PeerStore(string directory, ILogger logger)
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "peers.bin";

    // A bound on what is read back: records are at most 8 KiB, and a node keeps few.
    private const int MaxRecords = 10_000;

    // What the file holds now (written or loaded), so an unchanged book is not written again.
    private byte[] _stored = [];

    /// <summary>The file's path.</summary>
    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    /// <summary>Adds the stored records to <paramref name="book"/>; returns how many were valid. A missing file is 0; a damaged one is logged and read up to the damage.</summary>
    public int Load(AddressBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.PeerStoreUnreadable(logger, Path, e.Message);
            return 0;
        }

        _stored = bytes;
        var loaded = 0;
        var span = bytes.AsSpan();
        for (var n = 0; n < MaxRecords && span.Length > 0; n++)
        {
            if (span.Length < 4 || BinaryPrimitives.ReadInt32BigEndian(span) is var length && (length <= 0 || length > SignedEnvelope.MaxEncodedLength || length > span.Length - 4))
            {
                Log.PeerStoreUnreadable(logger, Path, $"a damaged entry after {n} records");
                break;
            }

            if (PeerRoutingRecord.TryDecode(span.Slice(4, length), out var record, out _))
            {
                book.AddRecord(record);
                loaded++;
            }

            span = span[(4 + length)..];
        }

        return loaded;
    }

    /// <summary>Writes the records <paramref name="book"/> holds now, unless the file holds them already; false (logged) when the file cannot be written.</summary>
    public bool Save(AddressBook book)
    {
        ArgumentNullException.ThrowIfNull(book);
        using var output = new MemoryStream();
        Span<byte> prefix = stackalloc byte[4];
        foreach (var peer in book.DialablePeers().Take(MaxRecords))
        {
            if (book.RecordOf(peer) is { } record)
            {
                var envelope = record.Envelope.Encoded.Span;
                BinaryPrimitives.WriteInt32BigEndian(prefix, envelope.Length);
                output.Write(prefix);
                output.Write(envelope);
            }
        }

        var bytes = output.ToArray();
        if (bytes.AsSpan().SequenceEqual(_stored))
        {
            return true;
        }

        if (AtomicFile.TryReplace(Path, bytes, flushToDisk: false) is { } error)
        {
            Log.PeerStoreUnwritable(logger, Path, error);
            return false;
        }

        _stored = bytes;
        return true;
    }
}
