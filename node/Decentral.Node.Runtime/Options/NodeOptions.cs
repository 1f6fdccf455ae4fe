namespace Decentral.Node.Runtime.Options;

/// <summary>
/// The `node` section: who this node is, where it keeps its state, where it listens and whom it
/// contacts first. Defaults are documented here and in configs/node.json (a test keeps the two equal).
/// </summary>
public sealed class NodeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "node";

    /// <summary>
    /// The data directory: identity key, lock file, checkpoint, telemetry.jsonl and node.json.
    /// Relative paths are relative to the working directory. Default "node-data".
    /// </summary>
    public string DataDir { get; set; } = "node-data";

    /// <summary>
    /// The learning session: nodes of one session train one model together; the gossip topic is
    /// named after it and a peer of another session is refused. Default "decentral".
    /// </summary>
    public string Session { get; set; } = "decentral";

    /// <summary>TCP multiaddrs to listen on. Default ["/ip4/0.0.0.0/tcp/4001"].</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>
    /// Dialable multiaddrs advertised to other peers in the signed peer record. Empty (the
    /// default): the listen addresses, with 0.0.0.0 replaced by this machine's interface addresses.
    /// </summary>
    public List<string> Announce { get; set; } = [];

    /// <summary>
    /// Peers to contact first, as multiaddrs ending in /p2p/&lt;peer id&gt;. Empty (the default): this
    /// node waits for others to dial it (the first node of a network).
    /// </summary>
    public List<string> Bootstrap { get; set; } = [];

    /// <summary>
    /// This node's label in telemetry (the slot in `sample` and `aggregators`); -1 (the default)
    /// uses the partition index.
    /// </summary>
    public int Slot { get; set; } = -1;

    /// <summary>The protocol: "modest" (the default).</summary>
    public string Algorithm { get; set; } = "modest";

    /// <summary>How often node.json is refreshed while the node runs. Default 10 s.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful stop (LEAVE advert, checkpoint) may take. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Listen addresses when none are configured.</summary>
    public static IReadOnlyList<string> DefaultListen { get; } = ["/ip4/0.0.0.0/tcp/4001"];

    /// <summary>The configured listen addresses, or <see cref="DefaultListen"/>.</summary>
    public IReadOnlyList<string> EffectiveListen => Listen.Count > 0 ? Listen : DefaultListen;
}
