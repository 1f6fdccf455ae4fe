using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.MultistreamSelect;
using Decentral.Libp2p.Noise;
using Decentral.Libp2p.Yamux;

namespace Decentral.Libp2p.Host;

/// <summary>Result of upgrading a raw connection to a secure, multiplexed one.</summary>
/// <param name="Status">Connected on success, otherwise the failure kind.</param>
/// <param name="Secure">The secure stream, ready for yamux, on success.</param>
/// <param name="RemotePeer">The authenticated peer on success.</param>
/// <param name="Reason">Why it failed.</param>
internal readonly record struct UpgradeResult(DialStatus Status, NoiseSecureStream? Secure, PeerId? RemotePeer, string? Reason)
{
    /// <summary>The socket's remote address (set by the host on success).</summary>
    public Multiaddr? Remote { get; init; }

    /// <summary>The socket's local address (set by the host on success).</summary>
    public Multiaddr? Local { get; init; }

    /// <summary>True when the failure was the connection breaking, not the remote's bytes.</summary>
    public bool TransportFailed { get; init; }
}

/// <summary>
/// Upgrades a raw stream: multistream-select "/noise", the Noise XX handshake, then the muxer:
/// skipped when both sides listed yamux in their Noise payloads, otherwise multistream-select
/// "/yamux/1.0.0" inside the encrypted channel.
/// </summary>
internal static class Upgrader
{
    private static readonly string[] Muxers = [YamuxProtocol.ProtocolId];

    public static async Task<UpgradeResult> UpgradeAsync(Stream raw, PeerIdentity identity, bool initiator,
        bool earlyMuxer, PeerId? expectedRemote, CancellationToken cancellationToken)
    {
        var security = initiator
            ? await MultistreamSelect.MultistreamSelect.SelectAsync(raw, [NoiseHandshake.ProtocolId], cancellationToken).ConfigureAwait(false)
            : await MultistreamSelect.MultistreamSelect.ListenAsync(raw, p => p == NoiseHandshake.ProtocolId, cancellationToken).ConfigureAwait(false);
        if (security.Status != NegotiationStatus.Agreed)
        {
            return new(DialStatus.NegotiationFailed, null, null, $"security negotiation: {security.Reason}");
        }

        var noise = await NoiseHandshake.RunAsync(raw, identity, initiator, earlyMuxer ? Muxers : [], expectedRemote, cancellationToken).ConfigureAwait(false);
        if (noise.Status != NoiseStatus.Ok)
        {
            var status = noise.Status == NoiseStatus.PeerIdMismatch ? DialStatus.PeerIdMismatch : DialStatus.SecurityFailed;
            return new(status, null, null, $"noise {noise.Status}: {noise.Reason}");
        }

        var secure = noise.Stream!;
        if (noise.EarlyMuxer == YamuxProtocol.ProtocolId)
        {
            return new(DialStatus.Connected, secure, noise.RemotePeer, null);
        }

        var muxer = initiator
            ? await MultistreamSelect.MultistreamSelect.SelectAsync(secure, Muxers, cancellationToken).ConfigureAwait(false)
            : await MultistreamSelect.MultistreamSelect.ListenAsync(secure, p => p == YamuxProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        if (muxer.Status != NegotiationStatus.Agreed)
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            return new(DialStatus.NegotiationFailed, null, null, $"muxer negotiation: {muxer.Reason}");
        }

        return new(DialStatus.Connected, secure, noise.RemotePeer, null);
    }
}
