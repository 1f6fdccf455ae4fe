using Decentral.Libp2p.Gossip.Router;
using Decentral.Libp2p.Gossip.Tests.Kit;

namespace Decentral.Libp2p.Gossip.Tests.Router;

public sealed class MessageSigningTests
{
    [Fact]
    public void Validate_SignedMessage_AcceptsAndNamesAuthor()
    {
        using var author = RouterNet.Identity(1);
        var message = MessageSigning.CreateSigned(author, "t", [1, 2, 3], 42);

        var reason = MessageSigning.Validate(message, out var from);

        Assert.Equal(MessageRejectReason.None, reason);
        Assert.Equal(author.PeerId, from);
        Assert.Equal(64, message.Signature.Length);
        Assert.Equal(author.PeerId.PublicKeyProtobuf.ToArray(), message.Key);
    }

    [Fact]
    public void Validate_TamperedData_RejectsSignature()
    {
        using var author = RouterNet.Identity(1);
        var message = MessageSigning.CreateSigned(author, "t", [1, 2, 3], 42) with { Data = [1, 2, 4] };

        Assert.Equal(MessageRejectReason.BadSignature, MessageSigning.Validate(message, out _));
    }

    [Fact]
    public void Validate_KeyOfAnotherPeer_RejectsKeyMismatch()
    {
        using var author = RouterNet.Identity(1);
        using var other = RouterNet.Identity(2);
        var message = MessageSigning.CreateSigned(author, "t", [1], 1) with { Key = other.PeerId.PublicKeyProtobuf.ToArray() };

        Assert.Equal(MessageRejectReason.KeyMismatch, MessageSigning.Validate(message, out _));
    }

    [Fact]
    public void Validate_ForgedAuthor_RejectsSignature()
    {
        using var author = RouterNet.Identity(1);
        using var victim = RouterNet.Identity(2);
        var message = MessageSigning.CreateSigned(author, "t", [1], 1) with { From = victim.PeerId.Bytes.ToArray(), Key = [] };

        Assert.Equal(MessageRejectReason.BadSignature, MessageSigning.Validate(message, out _));
    }

    [Fact]
    public void IdOf_IsPublicKeyProtobufThenSeqno()
    {
        using var author = RouterNet.Identity(1);
        var message = MessageSigning.CreateSigned(author, "t", [], 0x0102030405060708);

        var id = MessageSigning.IdOf(author.PeerId, message).Bytes.ToArray();

        Assert.Equal(36 + 8, id.Length);
        Assert.Equal(author.PeerId.PublicKeyProtobuf.ToArray(), id[..36]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, id[36..]);
    }

    [Fact]
    public void CreateSigned_EmptyData_StillVerifies()
    {
        using var author = RouterNet.Identity(3);
        var message = MessageSigning.CreateSigned(author, "t", [], 5);

        Assert.Equal(MessageRejectReason.None, MessageSigning.Validate(message, out _));
    }
}
