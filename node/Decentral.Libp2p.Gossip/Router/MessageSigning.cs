using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Decentral.Identity;
using Decentral.Libp2p.Gossip.Wire;

namespace Decentral.Libp2p.Gossip.Router;

/// <summary>Why a received message was dropped. All are expected outcomes of remote input.</summary>
public enum MessageRejectReason
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>from is missing or is not an Ed25519 identity peer id.</summary>
    BadAuthor,

    /// <summary>seqno is missing (StrictSign requires it).</summary>
    MissingSeqno,

    /// <summary>key is present but is not the author's PublicKey protobuf.</summary>
    KeyMismatch,

    /// <summary>signature is missing or does not verify.</summary>
    BadSignature,
}

/// <summary>
/// StrictSign (libp2p pubsub spec, "Message signing"): the author signs
/// "libp2p-pubsub:" + the Message protobuf without signature and key. Message ids follow
/// js-libp2p's StrictSign id: the author's PublicKey protobuf followed by the 8-byte seqno.
/// </summary>
public static class MessageSigning
{
    private static readonly byte[] SignPrefix = Encoding.ASCII.GetBytes("libp2p-pubsub:");

    /// <summary>Builds and signs a message from <paramref name="author"/>.</summary>
    public static PubSubMessage CreateSigned(PeerIdentity author, string topic, byte[] data, ulong seqno)
    {
        var seqnoBytes = new byte[RpcDecoder.SeqnoLength];
        BinaryPrimitives.WriteUInt64BigEndian(seqnoBytes, seqno);
        var from = author.PeerId.Bytes.ToArray();
        var unsigned = new PubSubMessage(from, data, seqnoBytes, topic, [], []);
        var signature = author.Sign(SignedBytes(unsigned));
        return unsigned with { Signature = signature, Key = author.PeerId.PublicKeyProtobuf.ToArray() };
    }

    /// <summary>Checks author, seqno, key and signature of a received message.</summary>
    public static MessageRejectReason Validate(PubSubMessage message, [NotNullWhen(true)] out PeerId? author)
    {
        if (!PeerId.TryFromBytes(message.From, out author))
        {
            return MessageRejectReason.BadAuthor;
        }

        if (message.Seqno.Length != RpcDecoder.SeqnoLength)
        {
            author = null;
            return MessageRejectReason.MissingSeqno;
        }

        if (message.Key.Length > 0 && !message.Key.AsSpan().SequenceEqual(author.PublicKeyProtobuf))
        {
            author = null;
            return MessageRejectReason.KeyMismatch;
        }

        if (!PeerIdentity.Verify(author.PublicKey, SignedBytes(message), message.Signature))
        {
            author = null;
            return MessageRejectReason.BadSignature;
        }

        return MessageRejectReason.None;
    }

    /// <summary>The js-compatible StrictSign message id of a message whose author is <paramref name="author"/>.</summary>
    public static MessageId IdOf(PeerId author, PubSubMessage message)
    {
        var key = author.PublicKeyProtobuf;
        var id = new byte[key.Length + message.Seqno.Length];
        key.CopyTo(id);
        message.Seqno.CopyTo(id.AsSpan(key.Length));
        return new MessageId(id);
    }

    private static byte[] SignedBytes(PubSubMessage message)
    {
        var body = RpcEncoder.SigningBody(message);
        var bytes = new byte[SignPrefix.Length + body.Length];
        SignPrefix.CopyTo(bytes, 0);
        body.CopyTo(bytes, SignPrefix.Length);
        return bytes;
    }
}
