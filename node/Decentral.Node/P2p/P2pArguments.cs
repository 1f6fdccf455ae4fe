using Decentral.Libp2p.Multiformats;

namespace Decentral.Node.P2p;

/// <summary>The settings of one <c>p2p</c> run, as bound from the command line by <see cref="P2pVerb"/>.</summary>
internal sealed record P2pArguments
{
    public Multiaddr Listen { get; init; } = Multiaddr.Parse("/ip4/127.0.0.1/tcp/0");

    public IReadOnlyList<Multiaddr> Dial { get; init; } = [];

    public string Topic { get; init; } = "decentral";

    public string? Publish { get; init; }

    public int Count { get; init; } = 1;

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    public bool Stdin { get; init; }

    public bool Ping { get; init; }

    public int? WaitPeers { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(1);

    public byte[]? Seed { get; init; }

    /// <summary>
    /// True when the run has an end of its own: it publishes or pings dialed peers and does not
    /// read stdin. It then exits <see cref="Linger"/> after that work instead of at the timeout.
    /// </summary>
    public bool Finite => !Stdin && (Publish is not null || (Ping && Dial.Count > 0));
}
