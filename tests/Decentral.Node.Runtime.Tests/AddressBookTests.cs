using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Records;
using Decentral.Membership;
using Decentral.Node.Runtime.Peers;

namespace Decentral.Node.Runtime.Tests;

public sealed class AddressBookTests
{
    private static readonly PeerId Self = PeerIdentity.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray()).PeerId;

    private static PeerRoutingRecord Record(byte seed, int port)
    {
        using var identity = PeerIdentity.FromSeed(Enumerable.Repeat(seed, 32).ToArray());
        return PeerRoutingRecord.Create(identity, 1, [Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}")]);
    }

    [Fact]
    public void OverlayCandidates_PeerThatAnnouncedLeave_IsLeftOutUntilItAnnouncesJoinAgain()
    {
        var book = new AddressBook(Self);
        var stays = Record(2, 4001);
        var leaves = Record(3, 4002);
        book.AddAnnouncement(new MemberAnnouncement(stays, 1, MembershipStatus.Join, 5, 0));
        book.AddAnnouncement(new MemberAnnouncement(leaves, 1, MembershipStatus.Join, 5, 1));
        Assert.Equal(new[] { stays.Peer, leaves.Peer }.Order(), book.OverlayCandidates().Order());

        book.AddAnnouncement(new MemberAnnouncement(leaves, 2, MembershipStatus.Leave, 6, 1));

        Assert.Equal([stays.Peer], book.OverlayCandidates());
        Assert.Contains(leaves.Peer, book.DialablePeers());

        book.AddAnnouncement(new MemberAnnouncement(leaves, 3, MembershipStatus.Join, 9, 1));

        Assert.Equal(new[] { stays.Peer, leaves.Peer }.Order(), book.OverlayCandidates().Order());
    }

    [Fact]
    public void OverlayCandidates_PeerKnownOnlyByRecord_IsACandidate()
    {
        var book = new AddressBook(Self);
        var known = Record(4, 4003);

        book.AddRecord(known);

        Assert.Equal([known.Peer], book.OverlayCandidates());
    }
}
