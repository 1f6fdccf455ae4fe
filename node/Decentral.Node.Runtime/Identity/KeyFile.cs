using System.Buffers;
using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Protobuf;

namespace Decentral.Node.Runtime.Identity;

/// <summary>
/// The node's Ed25519 identity on disk: the libp2p PrivateKey protobuf (Type = Ed25519, Data =
/// 32-byte seed followed by the 32-byte public key), the format go-libp2p and js-libp2p marshal.
/// Created on first start with mode 0600 and reused on every later start, so the peer id stays
/// the same. A file that cannot be read or does not decode stops the start with a clear error;
/// it is never overwritten.
/// </summary>
public static class KeyFile
{
    /// <summary>The file name inside the data directory.</summary>
    public const string FileName = "identity.key";

    private const int Ed25519KeyType = 1;
    private const int SeedLength = 32;

    /// <summary>Loads the identity at <paramref name="path"/>, creating it when the file does not exist.</summary>
    public static StartResult<(PeerIdentity Identity, bool Created)> LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return Create(path);
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return StartResult.Fail<(PeerIdentity, bool)>($"cannot read the identity key file {path}: {e.Message}");
        }

        return Decode(bytes, out var identity, out var reason)
            ? StartResult.Ok((identity, false))
            : StartResult.Fail<(PeerIdentity, bool)>(
                $"the identity key file {path} is corrupt ({reason}); it is left untouched. Restore it, or move it away to start with a new identity (a new peer id)");
    }

    /// <summary>The file contents for <paramref name="identity"/>.</summary>
    public static byte[] Encode(PeerIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var key = new byte[2 * SeedLength];
        identity.ExportSeed().CopyTo(key, 0);
        identity.PublicKey.CopyTo(key.AsSpan(SeedLength));
        var body = new ArrayBufferWriter<byte>(72);
        var writer = new ProtoWriter(body);
        writer.WriteVarint(1, Ed25519KeyType);
        writer.WriteBytes(2, key);
        return body.WrittenSpan.ToArray();
    }

    /// <summary>Decodes file contents; false with the reason when they are not an Ed25519 private key.</summary>
    public static bool Decode(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PeerIdentity? identity, out string reason)
    {
        identity = null;
        var reader = new ProtoReader(bytes);
        ulong type = ulong.MaxValue;
        byte[]? data = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireType.Varint && reader.TryReadVarint(out var t))
            {
                type = t;
            }
            else if (field == 2 && wire == WireType.LengthDelimited && reader.TryReadBytes(out var d))
            {
                data = d.ToArray();
            }
            else if (!reader.TrySkip(wire))
            {
                break;
            }
        }

        if (reader.Failed || data is null)
        {
            reason = bytes.Length == 0 ? "the file is empty" : "not a libp2p private key protobuf";
            return false;
        }

        if (type != Ed25519KeyType)
        {
            reason = $"key type {type} is not Ed25519 (1)";
            return false;
        }

        if (data.Length != 2 * SeedLength)
        {
            reason = $"an Ed25519 key has {2 * SeedLength} bytes, this one {data.Length}";
            return false;
        }

        var candidate = PeerIdentity.FromSeed(data.AsSpan(0, SeedLength));
        if (!candidate.PublicKey.SequenceEqual(data.AsSpan(SeedLength)))
        {
            candidate.Dispose();
            reason = "the public key does not belong to the private key";
            return false;
        }

        identity = candidate;
        reason = string.Empty;
        return true;
    }

    private static StartResult<(PeerIdentity, bool)> Create(string path)
    {
        var identity = PeerIdentity.Generate();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Created private: only the owner may read the secret key.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(path, options))
            {
                file.Write(Encode(identity));
                file.Flush(flushToDisk: true);
            }

            return StartResult.Ok((identity, true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            identity.Dispose();
            return StartResult.Fail<(PeerIdentity, bool)>($"cannot create the identity key file {path}: {e.Message}");
        }
    }
}
