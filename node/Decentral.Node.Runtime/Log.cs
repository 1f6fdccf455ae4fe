using Decentral.Identity;
using Decentral.Node.Runtime.Transport;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime;

/// <summary>
/// Every log event of the node runtime (source-generated, structured). Each dropped peer,
/// refused request, failed send and open circuit is logged with its reason.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Node {Peer} starting in session '{Session}' (data directory {DataDir}, identity {IdentityState})")]
    public static partial void Starting(ILogger logger, PeerId peer, string session, string dataDir, string identityState);

    [LoggerMessage(2, LogLevel.Information, "Listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(3, LogLevel.Information, "Advertising {Addresses}")]
    public static partial void Advertising(ILogger logger, string addresses);

    [LoggerMessage(4, LogLevel.Information, "Learning: {Description}; this node holds share {Index} of {Count} ({Samples} samples)")]
    public static partial void LearningReady(ILogger logger, string description, int index, int count, int samples);

    [LoggerMessage(5, LogLevel.Warning, "Bootstrap peer {Address} not reachable (attempt {Attempt}, next in {Delay}): {Reason}")]
    public static partial void BootstrapFailed(ILogger logger, string address, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(6, LogLevel.Information, "Connected to bootstrap peer {Address}")]
    public static partial void BootstrapConnected(ILogger logger, string address);

    [LoggerMessage(7, LogLevel.Information, "Founding the session with {Members} members: {Trains}")]
    public static partial void Founding(ILogger logger, int members, string trains);

    [LoggerMessage(8, LogLevel.Information, "Joining the running session (round estimate {Round}, {Members} members known)")]
    public static partial void Joining(ILogger logger, long round, int members);

    [LoggerMessage(9, LogLevel.Information, "Rejoining from the checkpoint of {SavedAt:o} (round {Round}, membership index {Index}, {Records} view records)")]
    public static partial void Rejoining(ILogger logger, DateTimeOffset savedAt, long round, long index, int records);

    [LoggerMessage(50, LogLevel.Warning, "Peer records in {Path} could not be read ({Reason}); the node relies on bootstrap and announcements")]
    public static partial void PeerStoreUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(51, LogLevel.Warning, "Peer records could not be written to {Path}: {Reason}")]
    public static partial void PeerStoreUnwritable(ILogger logger, string path, string reason);

    [LoggerMessage(52, LogLevel.Information, "Loaded {Count} peer records from {Path}")]
    public static partial void PeerStoreLoaded(ILogger logger, int count, string path);

    [LoggerMessage(40, LogLevel.Warning, "No round estimate moved for {Quiet} (round {Round}): no member holds a round in flight (all came back from checkpoints at once, or the holders of the round died with it), so the session resumes at round {Resume}; this node {Role}")]
    public static partial void Resuming(ILogger logger, TimeSpan quiet, long round, long resume, string role);

    [LoggerMessage(10, LogLevel.Information, "Gathering members: {Known} of {Needed} known")]
    public static partial void Gathering(ILogger logger, int known, int needed);

    [LoggerMessage(11, LogLevel.Warning, "Retrying delivery to {Peer} (attempt {Attempt} in {Delay}): {Reason}")]
    public static partial void Retrying(ILogger logger, PeerId peer, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Circuit open for {Peer} for {Duration}: {Reason}")]
    public static partial void CircuitOpened(ILogger logger, PeerId peer, TimeSpan duration, string reason);

    [LoggerMessage(13, LogLevel.Information, "Circuit half-open for {Peer}: the next send tries it again")]
    public static partial void CircuitHalfOpen(ILogger logger, PeerId peer);

    [LoggerMessage(14, LogLevel.Information, "Circuit closed for {Peer}")]
    public static partial void CircuitClosed(ILogger logger, PeerId peer);

    [LoggerMessage(55, LogLevel.Error, "Sending {Kind} to {Peer} threw; the send counts as failed and the peer's queue goes on")]
    public static partial void SendFaulted(ILogger logger, Exception exception, string kind, PeerId peer);

    [LoggerMessage(15, LogLevel.Warning, "Send of {Kind} to {Peer} failed ({Status}): {Reason}")]
    public static partial void SendFailed(ILogger logger, string kind, PeerId peer, SendStatus status, string reason);

    [LoggerMessage(16, LogLevel.Warning, "Refused a request from {Peer}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(53, LogLevel.Debug, "Refused a request from {Peer}: this node is leaving")]
    public static partial void RefusedWhileLeaving(ILogger logger, PeerId peer);

    [LoggerMessage(54, LogLevel.Debug, "Send of {Kind} to {Peer} refused: the peer is leaving")]
    public static partial void SendRefusedByLeaver(ILogger logger, string kind, PeerId peer);

    [LoggerMessage(17, LogLevel.Warning, "Member list request to {Peer} failed ({Status}): {Reason}")]
    public static partial void MembersRequestFailed(ILogger logger, PeerId peer, SendStatus status, string reason);

    [LoggerMessage(18, LogLevel.Warning, "Member list from {Peer}: {Invalid} invalid entries dropped ({Reason})")]
    public static partial void MembersListRejected(ILogger logger, PeerId peer, int invalid, string reason);

    [LoggerMessage(19, LogLevel.Warning, "Dropped a gossip message from {Peer}: {Reason}; {Suppressed} more dropped since the last warning")]
    public static partial void GossipDropped(ILogger logger, PeerId peer, string reason, long suppressed);

    [LoggerMessage(41, LogLevel.Debug, "Dropped a gossip message from {Peer}: {Reason}")]
    public static partial void GossipDroppedQuietly(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(20, LogLevel.Warning, "Checkpoint {Path} unusable ({Reason}); moved aside to {Aside}; starting without it")]
    public static partial void CheckpointUnusable(ILogger logger, string path, string reason, string aside);

    [LoggerMessage(21, LogLevel.Error, "Checkpoint {Path} could not be written: {Reason}")]
    public static partial void CheckpointWriteFailed(ILogger logger, string path, string reason);

    [LoggerMessage(22, LogLevel.Debug, "Round {Round}: aggregated {Models} models, sent to {Sample} peers")]
    public static partial void Aggregated(ILogger logger, long round, int models, int sample);

    [LoggerMessage(23, LogLevel.Debug, "Round {Round}: trained (loss {Loss:F4}) and sent to {Aggregators} aggregators")]
    public static partial void Trained(ILogger logger, long round, double loss, int aggregators);

    [LoggerMessage(24, LogLevel.Information, "Round {Round}: aggregate accuracy {Accuracy:P2}, loss {Loss:F4}")]
    public static partial void Evaluated(ILogger logger, long round, double accuracy, double loss);

    [LoggerMessage(25, LogLevel.Information, "Leaving: LEAVE advertised, checkpoint written ({Elapsed})")]
    public static partial void Left(ILogger logger, TimeSpan elapsed);

    [LoggerMessage(26, LogLevel.Information, "Peer {Peer} left ({Reason})")]
    public static partial void PeerLeft(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(27, LogLevel.Critical, "The protocol core failed on {Event}; the node stops")]
    public static partial void CoreFailed(ILogger logger, Exception exception, string @event);

    [LoggerMessage(28, LogLevel.Error, "Training of round {Round} failed")]
    public static partial void TrainingFailed(ILogger logger, Exception exception, long round);

    [LoggerMessage(29, LogLevel.Warning, "Inbox full: {Kind} from {Peer} refused as busy")]
    public static partial void InboxFull(ILogger logger, string kind, PeerId peer);

    [LoggerMessage(30, LogLevel.Warning, "Identity key file {Path} is readable by others (mode {Mode}); it should be 0600")]
    public static partial void KeyFileTooOpen(ILogger logger, string path, string mode);

    [LoggerMessage(42, LogLevel.Information, "Membership index {Before} -> {After} (a rejoin, or a view that held this node as LEAVE or at a higher index): announcing JOIN at {After}")]
    public static partial void MembershipIndexChanged(ILogger logger, long before, long after);

    [LoggerMessage(31, LogLevel.Debug, "Overlay: dialled {Peer}: {Outcome}")]
    public static partial void OverlayDial(ILogger logger, PeerId peer, string outcome);

    [LoggerMessage(33, LogLevel.Information, "View: {Members} members")]
    public static partial void ViewMembers(ILogger logger, int members);

    [LoggerMessage(34, LogLevel.Information, "Sampled: training round {Round}, the first since this node started")]
    public static partial void FirstTraining(ILogger logger, long round);

    [LoggerMessage(56, LogLevel.Information, "Round {Round}: an aggregator the model went to did not answer the aggregator check; marked LEAVE, the model goes to the next aggregator of the round")]
    public static partial void AggregatorSilent(ILogger logger, long round);

    [LoggerMessage(57, LogLevel.Information, "Round {Round}: an aggregator the model went to answered the aggregator check with a higher membership index (it restarted and lost the round); the model goes to the next aggregator of the round")]
    public static partial void AggregatorRestarted(ILogger logger, long round);

    [LoggerMessage(58, LogLevel.Information, "Round {Round}: {Trainers} expected trainers did not answer the trainer check; the round goes on without them")]
    public static partial void TrainersSilent(ILogger logger, long round, int trainers);

    [LoggerMessage(59, LogLevel.Information, "Round {Round}: an expected trainer answered the trainer check without the aggregate it would train (another view's sample, or a restart); the round goes on without it")]
    public static partial void TrainerNotSampled(ILogger logger, long round);

    [LoggerMessage(60, LogLevel.Information, "Round {Round}: an expected trainer answered the trainer check having sent the round to other aggregators; the round goes on without it")]
    public static partial void TrainerSentElsewhere(ILogger logger, long round);

    [LoggerMessage(35, LogLevel.Error, "The node stops: {Reason}")]
    public static partial void NodeStopped(ILogger logger, string reason);

    [LoggerMessage(32, LogLevel.Error, "Telemetry {Path} could not be written: {Reason}")]
    public static partial void TelemetryWriteFailed(ILogger logger, string path, string reason);
}
