using Decentral.Identity;
using Decentral.Libp2p.Multiformats;
using Decentral.Libp2p.Records;
using Decentral.Node.Runtime.Peers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Decentral.Node.Runtime.Tests;

public sealed class PeerStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("decentral-peers-").FullName;
    private readonly PeerIdentity _self = PeerIdentity.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private PeerRoutingRecord Record(byte seed, int port)
    {
        using var identity = PeerIdentity.FromSeed(Enumerable.Repeat(seed, 32).ToArray());
        return PeerRoutingRecord.Create(identity, 1, [Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}")]);
    }

    [Fact]
    public void SaveThenLoad_RecordsOfTheBook_DialableAgainWithTheirAddresses()
    {
        var book = new AddressBook(_self.PeerId);
        var a = Record(2, 4001);
        var b = Record(3, 4002);
        book.AddRecord(a);
        book.AddRecord(b);
        Assert.True(new PeerStore(_dir, NullLogger.Instance).Save(book));

        var restarted = new AddressBook(_self.PeerId);
        var loaded = new PeerStore(_dir, NullLogger.Instance).Load(restarted);

        Assert.Equal(2, loaded);
        Assert.Equal(new[] { a.Peer, b.Peer }.Order(), restarted.DialablePeers().Order());
        Assert.Equal($"{a.Addresses[0]}/p2p/{a.Peer}", restarted.AddressesOf(a.Peer).Single().ToString());
    }

    [Fact]
    public void Load_MissingFile_NothingAndNoError()
    {
        Assert.Equal(0, new PeerStore(_dir, NullLogger.Instance).Load(new AddressBook(_self.PeerId)));
    }

    [Fact]
    public void Load_TamperedRecordAndTruncatedTail_KeepsOnlyTheValidRecords()
    {
        var book = new AddressBook(_self.PeerId);
        book.AddRecord(Record(2, 4001));
        book.AddRecord(Record(3, 4002));
        var store = new PeerStore(_dir, NullLogger.Instance);
        store.Save(book);
        var bytes = File.ReadAllBytes(store.Path);
        bytes[^5] ^= 0xFF; // inside the second envelope (its signature): it no longer verifies
        File.WriteAllBytes(store.Path, [.. bytes, 0, 0, 0, 9, 1]); // and a cut-off entry after it

        var restarted = new AddressBook(_self.PeerId);

        Assert.Equal(1, store.Load(restarted));
        Assert.Single(restarted.DialablePeers());
    }
}
