namespace Decentral.Simulator.Network;

/// <summary>
/// One simulated message. Only its size travels through the network model; <see cref="Payload"/>
/// is handed to the receiver as is (no serialization), so a large model can be shared by
/// reference between many messages.
/// </summary>
/// <param name="Id">Unique id of the message within the network, in send order.</param>
/// <param name="From">Sender node index.</param>
/// <param name="To">Receiver node index.</param>
/// <param name="Bytes">Size on the wire, used for bandwidth and byte counters.</param>
/// <param name="TypeId">Caller-defined message type (a small non-negative int) for per-type counters.</param>
/// <param name="Payload">The caller's object, delivered unchanged.</param>
/// <param name="SentAt">Simulated time of the send call.</param>
public readonly record struct SimMessage(long Id, int From, int To, long Bytes, int TypeId, object? Payload, long SentAt);

/// <summary>Why a message was not delivered.</summary>
public enum DeliveryFailure
{
    /// <summary>The receiver was offline when the message was sent or when it would have arrived.</summary>
    ReceiverOffline,

    /// <summary>Dropped by the random loss model.</summary>
    Lost,

    /// <summary>Sender and receiver were in different partition groups.</summary>
    Partitioned,

    /// <summary>The transfer was cut because the sender or receiver went offline mid-transfer.</summary>
    TransferKilled,
}

/// <summary>Immediate result of <see cref="SimNetwork.Send"/>.</summary>
public enum SendStatus
{
    /// <summary>The message is on its way; exactly one of OnDelivered / OnFailed will follow.</summary>
    Accepted,

    /// <summary>The sender is offline: nothing was sent and no callback follows.</summary>
    SenderOffline,
}

/// <summary>
/// Receives the fate of messages. Implement it once per protocol driver (not per message): the
/// message is passed by reference as a struct, so a delivery allocates nothing.
/// </summary>
public interface IMessageHandler
{
    /// <summary>The message arrived at <see cref="SimMessage.To"/> (now is the arrival time).</summary>
    void OnDelivered(in SimMessage message);

    /// <summary>The message will never arrive; called at the simulated time the failure happens.</summary>
    void OnFailed(in SimMessage message, DeliveryFailure failure);
}
