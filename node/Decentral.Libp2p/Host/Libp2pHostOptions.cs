using Decentral.Libp2p.Yamux;

namespace Decentral.Libp2p.Host;

/// <summary>Options of a libp2p host (<c>Libp2pHost</c>); validated when the host is created.</summary>
public sealed class Libp2pHostOptions
{
    /// <summary>Dial timeout when none is given (default 10 s): TCP connect + handshake + muxer.</summary>
    public TimeSpan DialTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an inbound connection may take to finish its upgrade (default 10 s).</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time multistream-select may take on a new stream (default 10 s).</summary>
    public TimeSpan StreamNegotiationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a ping may take (default 10 s).</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Maximum open connections (inbound + outbound, default 128); more are refused.</summary>
    public int MaxConnections { get; set; } = 128;

    /// <summary>Offer early muxer negotiation in the Noise payload (default true).</summary>
    public bool EarlyMuxerNegotiation { get; set; } = true;

    /// <summary>Run identify on every new connection (default true).</summary>
    public bool IdentifyOnConnect { get; set; } = true;

    /// <summary>Identify protocolVersion (default "ipfs/0.1.0").</summary>
    public string ProtocolVersion { get; set; } = "ipfs/0.1.0";

    /// <summary>Identify agentVersion (default "decentral/1.0").</summary>
    public string AgentVersion { get; set; } = "decentral/1.0";

    /// <summary>
    /// Addresses advertised to other peers (identify and the signed peer record). Empty (the
    /// default): the listen addresses, an unspecified IP (0.0.0.0, ::) replaced by this machine's
    /// interface addresses. Set it when peers must dial another address than the one bound
    /// (a public address, a port mapping).
    /// </summary>
    public IReadOnlyList<Multiformats.Multiaddr> AnnounceAddresses { get; set; } = [];

    /// <summary>Yamux session options.</summary>
    public YamuxOptions Yamux { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        Positive(DialTimeout, nameof(DialTimeout));
        Positive(UpgradeTimeout, nameof(UpgradeTimeout));
        Positive(StreamNegotiationTimeout, nameof(StreamNegotiationTimeout));
        Positive(PingTimeout, nameof(PingTimeout));
        if (MaxConnections < 1)
        {
            throw new ArgumentException("MaxConnections must be at least 1.", nameof(MaxConnections));
        }

        if (string.IsNullOrWhiteSpace(AgentVersion) || string.IsNullOrWhiteSpace(ProtocolVersion))
        {
            throw new ArgumentException("AgentVersion and ProtocolVersion must be set.");
        }

        ArgumentNullException.ThrowIfNull(AnnounceAddresses);
        foreach (var address in AnnounceAddresses)
        {
            if (!address.TryGetTcpTarget(out var host, out var port, out _) || port == 0 || host is "0.0.0.0" or "::")
            {
                throw new ArgumentException($"Announce address {address} is not a dialable TCP address (no unspecified IP, no port 0).", nameof(AnnounceAddresses));
            }
        }

        ArgumentNullException.ThrowIfNull(Yamux);
        Yamux.Validate();
    }

    internal static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive.", name);
        }
    }
}
