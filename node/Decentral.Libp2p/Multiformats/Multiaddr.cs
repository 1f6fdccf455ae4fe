using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;
using Decentral.Identity;

namespace Decentral.Libp2p.Multiformats;

/// <summary>One multiaddr component: a protocol code and its value bytes (binary form).</summary>
/// <param name="Code">The protocol code (see <see cref="Multiaddr"/> constants).</param>
/// <param name="Value">The value in its binary form.</param>
public readonly record struct MultiaddrComponent(int Code, ReadOnlyMemory<byte> Value)
{
    /// <inheritdoc />
    public bool Equals(MultiaddrComponent other) => Code == other.Code && Value.Span.SequenceEqual(other.Value.Span);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Code, Value.Length);
}

/// <summary>
/// A multiaddr (ip4, ip6, tcp, dns, dns4, dns6, p2p) in text ("/ip4/127.0.0.1/tcp/4001") and
/// binary form. Immutable; parse failures are values (<see cref="TryParse"/>, <see cref="TryDecode"/>).
/// </summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    /// <summary>ip4 (4 bytes).</summary>
    public const int Ip4 = 4;

    /// <summary>tcp (2-byte big-endian port).</summary>
    public const int Tcp = 6;

    /// <summary>ip6 (16 bytes).</summary>
    public const int Ip6 = 41;

    /// <summary>dns (length-prefixed name).</summary>
    public const int Dns = 53;

    /// <summary>dns4 (length-prefixed name).</summary>
    public const int Dns4 = 54;

    /// <summary>dns6 (length-prefixed name).</summary>
    public const int Dns6 = 55;

    /// <summary>p2p (length-prefixed peer id multihash).</summary>
    public const int P2p = 421;

    private static readonly (int Code, string Name)[] Names =
        [(Ip4, "ip4"), (Tcp, "tcp"), (Ip6, "ip6"), (Dns, "dns"), (Dns4, "dns4"), (Dns6, "dns6"), (P2p, "p2p")];

    private readonly MultiaddrComponent[] _components;
    private string? _text;

    private Multiaddr(MultiaddrComponent[] components) => _components = components;

    /// <summary>The components in order.</summary>
    public IReadOnlyList<MultiaddrComponent> Components => _components;

    /// <summary>The peer id of a trailing /p2p component, if any.</summary>
    public PeerId? PeerId =>
        _components.Length > 0 && _components[^1].Code == P2p && Identity.PeerId.TryFromBytes(_components[^1].Value.Span, out var id) ? id : null;

    /// <summary>Builds /ip4|ip6/addr/tcp/port from an IP endpoint.</summary>
    public static Multiaddr FromEndPoint(IPEndPoint endPoint)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        var ipCode = address.AddressFamily == AddressFamily.InterNetwork ? Ip4 : Ip6;
        var port = new[] { (byte)(endPoint.Port >> 8), (byte)endPoint.Port };
        return new Multiaddr([new MultiaddrComponent(ipCode, address.GetAddressBytes()), new MultiaddrComponent(Tcp, port)]);
    }

    /// <summary>This address with /p2p/<paramref name="peer"/> appended (replacing an existing one).</summary>
    public Multiaddr WithPeerId(PeerId peer)
    {
        var kept = _components.Length > 0 && _components[^1].Code == P2p ? _components[..^1] : _components;
        return new Multiaddr([.. kept, new MultiaddrComponent(P2p, peer.Bytes)]);
    }

    /// <summary>This address without a trailing /p2p component.</summary>
    public Multiaddr WithoutPeerId() =>
        _components.Length > 0 && _components[^1].Code == P2p ? new Multiaddr(_components[..^1]) : this;

    /// <summary>
    /// The host and TCP port when the address is ip4|ip6|dns|dns4|dns6 followed by tcp (and optionally p2p).
    /// </summary>
    public bool TryGetTcpTarget([NotNullWhen(true)] out string? host, out int port, out AddressFamily family)
    {
        host = null;
        port = 0;
        family = AddressFamily.Unspecified;
        if (_components.Length < 2 || _components[1].Code != Tcp || (_components.Length > 2 && (_components.Length != 3 || _components[2].Code != P2p)))
        {
            return false;
        }

        var first = _components[0];
        var portBytes = _components[1].Value.Span;
        port = (portBytes[0] << 8) | portBytes[1];
        switch (first.Code)
        {
            case Ip4:
            case Ip6:
                host = new IPAddress(first.Value.Span).ToString();
                family = first.Code == Ip4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                return true;
            case Dns:
            case Dns4:
            case Dns6:
                host = Encoding.UTF8.GetString(first.Value.Span);
                family = first.Code switch { Dns4 => AddressFamily.InterNetwork, Dns6 => AddressFamily.InterNetworkV6, _ => AddressFamily.Unspecified };
                return true;
            default:
                return false;
        }
    }

    /// <summary>Parses the text form.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Multiaddr? multiaddr)
    {
        multiaddr = null;
        if (string.IsNullOrEmpty(text) || text[0] != '/')
        {
            return false;
        }

        var parts = text.Split('/');
        var components = new List<MultiaddrComponent>();
        for (var i = 1; i < parts.Length; i++)
        {
            var code = CodeOf(parts[i]);
            if (code < 0 || i + 1 >= parts.Length || !TryParseValue(code, parts[i + 1], out var value))
            {
                return false;
            }

            components.Add(new MultiaddrComponent(code, value));
            i++;
        }

        if (components.Count == 0)
        {
            return false;
        }

        multiaddr = new Multiaddr([.. components]);
        return true;
    }

    /// <summary>Parses the text form or throws <see cref="FormatException"/>.</summary>
    public static Multiaddr Parse(string text) =>
        TryParse(text, out var m) ? m : throw new FormatException($"'{text}' is not a supported multiaddr.");

    /// <summary>Decodes the binary form (as carried in identify).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out Multiaddr? multiaddr)
    {
        multiaddr = null;
        var components = new List<MultiaddrComponent>();
        while (!bytes.IsEmpty)
        {
            if (Varint.TryRead(bytes, out var code, out var n) != VarintStatus.Ok || code > int.MaxValue)
            {
                return false;
            }

            bytes = bytes[n..];
            var size = FixedSize((int)code);
            if (size == -2)
            {
                return false;
            }

            if (size == -1)
            {
                if (Varint.TryRead(bytes, out var length, out var m) != VarintStatus.Ok || length > (ulong)(bytes.Length - m))
                {
                    return false;
                }

                bytes = bytes[m..];
                size = (int)length;
            }

            if (bytes.Length < size)
            {
                return false;
            }

            // A value the text form cannot carry is refused, so every decoded address prints and parses back.
            if (!IsValidValue((int)code, bytes[..size]))
            {
                return false;
            }

            components.Add(new MultiaddrComponent((int)code, bytes[..size].ToArray()));
            bytes = bytes[size..];
        }

        if (components.Count == 0)
        {
            return false;
        }

        multiaddr = new Multiaddr([.. components]);
        return true;
    }

    /// <summary>The binary form.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        Span<byte> scratch = stackalloc byte[Varint.MaxLength];
        foreach (var c in _components)
        {
            buffer.Write(scratch[..Varint.Write((ulong)c.Code, scratch)]);
            if (FixedSize(c.Code) == -1)
            {
                buffer.Write(scratch[..Varint.Write((ulong)c.Value.Length, scratch)]);
            }

            buffer.Write(c.Value.Span);
        }

        return buffer.ToArray();
    }

    /// <inheritdoc />
    public override string ToString()
    {
        if (_text is not null)
        {
            return _text;
        }

        var sb = new StringBuilder();
        foreach (var c in _components)
        {
            sb.Append('/').Append(NameOf(c.Code)).Append('/').Append(FormatValue(c));
        }

        return _text = sb.ToString();
    }

    /// <inheritdoc />
    public bool Equals(Multiaddr? other) =>
        other is not null && _components.AsSpan().SequenceEqual(other._components);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Multiaddr other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    private static int CodeOf(string name)
    {
        foreach (var (code, n) in Names)
        {
            if (n == name)
            {
                return code;
            }
        }

        return -1;
    }

    private static string NameOf(int code)
    {
        foreach (var (c, n) in Names)
        {
            if (c == code)
            {
                return n;
            }
        }

        return code.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // -1: varint-length-prefixed value; -2: unknown protocol.
    private static int FixedSize(int code) => code switch
    {
        Ip4 => 4,
        Tcp => 2,
        Ip6 => 16,
        Dns or Dns4 or Dns6 or P2p => -1,
        _ => -2,
    };

    private static bool TryParseValue(int code, string text, out byte[] value)
    {
        value = [];
        switch (code)
        {
            case Ip4:
            case Ip6:
                var family = code == Ip4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != family)
                {
                    return false;
                }

                value = ip.GetAddressBytes();
                return true;
            case Tcp:
                if (!ushort.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
                {
                    return false;
                }

                value = [(byte)(port >> 8), (byte)port];
                return true;
            case P2p:
                if (!PeerIdText.TryParse(text, out var peer))
                {
                    return false;
                }

                value = peer.Bytes.ToArray();
                return true;
            default:
                value = Encoding.UTF8.GetBytes(text);
                return IsValidValue(code, value) && Encoding.UTF8.GetString(value) == text;
        }
    }

    /// <summary>
    /// True when a length-prefixed value can be an address part: a /p2p value must be a peer id
    /// this stack can print, a DNS name 1 to 253 bytes of valid UTF-8 without '/'. Found by fuzzing:
    /// without it binary addresses decoded that had no text form (an empty /dns4, a /p2p of 3 bytes).
    /// </summary>
    private static bool IsValidValue(int code, ReadOnlySpan<byte> value) => code switch
    {
        P2p => Identity.PeerId.TryFromBytes(value, out _),
        Dns or Dns4 or Dns6 => value.Length is > 0 and <= 253 && !value.Contains((byte)'/') && Utf8.IsValid(value),
        _ => true,
    };

    private static string FormatValue(MultiaddrComponent c) => c.Code switch
    {
        Ip4 or Ip6 => new IPAddress(c.Value.Span).ToString(),
        Tcp => ((c.Value.Span[0] << 8) | c.Value.Span[1]).ToString(System.Globalization.CultureInfo.InvariantCulture),
        P2p => Identity.PeerId.TryFromBytes(c.Value.Span, out var id) ? id.ToString() : SimpleBase.Base58.Bitcoin.Encode(c.Value.Span),
        _ => Encoding.UTF8.GetString(c.Value.Span),
    };
}
