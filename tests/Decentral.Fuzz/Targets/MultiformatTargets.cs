using System.Text;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Fuzz.Targets;

/// <summary>Varints and multiaddrs: span decoders with round-trip oracles.</summary>
internal static class MultiformatTargets
{
    public static FuzzTarget Varint { get; } = new("varint", "unsigned varint (span and stream readers)", RunVarint, () =>
        [[0x00], [0x7f], [0x80, 0x01], [0xff, 0xff, 0x03], [0xa5, 0x03], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]);

    public static FuzzTarget Multiaddr { get; } = new("multiaddr", "multiaddr (binary and text)", RunMultiaddr, () =>
    [
        [0, .. Libp2p.Multiformats.Multiaddr.Parse("/ip4/127.0.0.1/tcp/40001").ToBytes()],
        [0, .. Libp2p.Multiformats.Multiaddr.Parse("/ip6/::1/tcp/4001/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB").ToBytes()],
        [0, .. Libp2p.Multiformats.Multiaddr.Parse("/dns4/example.org/tcp/443").ToBytes()],
        [1, .. "/ip4/10.0.0.1/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"u8],
        [1, .. "/dns6/host/tcp/65535"u8],
    ]);

    private static void RunVarint(byte[] input)
    {
        var status = Libp2p.Multiformats.Varint.TryRead(input, out var value, out var consumed);
        if (status == VarintStatus.Ok && !Libp2p.Multiformats.Varint.Encode(value).AsSpan().SequenceEqual(input.AsSpan(0, consumed)))
        {
            throw new FuzzOracleException($"varint {Convert.ToHexString(input, 0, consumed)} decodes to {value}, which encodes differently");
        }

        // The stream reader must agree with the span reader.
        ulong? streamed;
        try
        {
            streamed = Libp2p.Multiformats.Varint.ReadAsync(new MemoryStream(input), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidDataException)
        {
            streamed = null;
        }

        if ((status == VarintStatus.Ok) != (streamed is not null) || (streamed is { } s && s != value))
        {
            throw new FuzzOracleException($"span reader says {status} ({value}), stream reader says {streamed?.ToString() ?? "invalid"}");
        }
    }

    private static void RunMultiaddr(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        var text = fuzz.Byte() % 2 == 1;
        var rest = fuzz.Rest();
        Libp2p.Multiformats.Multiaddr? decoded;
        if (text)
        {
            Libp2p.Multiformats.Multiaddr.TryParse(Encoding.UTF8.GetString(rest), out decoded);
        }
        else
        {
            Libp2p.Multiformats.Multiaddr.TryDecode(rest, out decoded);
        }

        if (decoded is null)
        {
            return;
        }

        // Both forms must survive a round trip to an equal address.
        if (!Libp2p.Multiformats.Multiaddr.TryDecode(decoded.ToBytes(), out var fromBytes) || !fromBytes.Equals(decoded))
        {
            throw new FuzzOracleException($"{decoded} does not survive its binary form");
        }

        if (!Libp2p.Multiformats.Multiaddr.TryParse(decoded.ToString(), out var fromText) || !fromText.Equals(decoded))
        {
            throw new FuzzOracleException($"{decoded} does not survive its text form");
        }

        decoded.TryGetTcpTarget(out _, out _, out _);
        _ = decoded.PeerId;
    }
}
