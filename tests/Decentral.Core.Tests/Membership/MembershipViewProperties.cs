using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Membership;
using FsCheck.Xunit;

namespace Decentral.Core.Tests.Membership;

public sealed class MembershipViewProperties
{
    // Half the pool starts in a shared base, so changes hit both base records and overlay-only peers.
    private static readonly SharedViewBase HalfPoolBase =
        TestPeers.FoundersBase(TestPeers.Range(MembershipArbitraries.PoolSize / 2));

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 200)]
    public bool Digest_AfterAnyChanges_EqualsXorOfRecordDigests(ViewOp[] ops)
    {
        var view = new MembershipView(HalfPoolBase);
        foreach (var op in ops)
        {
            op.ApplyTo(view);
        }

        return view.Digest == XorOfRecords(view);
    }

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 200)]
    public bool Merge_SameRecordsInAnyOrder_GivesSameView(PeerRecord[] records, int shuffleSeed)
    {
        var inOrder = new MembershipView(HalfPoolBase);
        foreach (var r in records)
        {
            inOrder.Merge(r);
        }

        var shuffled = records.ToArray();
        new Random(shuffleSeed).Shuffle(shuffled);
        var reordered = new MembershipView(HalfPoolBase);
        foreach (var r in shuffled)
        {
            reordered.Merge(r);
        }

        return inOrder.Digest == reordered.Digest && Canonical(inOrder).SequenceEqual(Canonical(reordered));
    }

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 200)]
    public bool ChangedSince_AnyVersion_ReturnsExactlyRecordsChangedAfterIt(ViewOp[] ops)
    {
        var view = new MembershipView(HalfPoolBase);
        var latestChange = new Dictionary<PeerId, long>();
        foreach (var op in ops)
        {
            if (op.ApplyTo(view))
            {
                latestChange[op.Record.Peer] = view.Version;
            }
        }

        for (var v = 0L; v <= view.Version; v++)
        {
            var expected = latestChange.Where(kv => kv.Value > v).OrderBy(kv => kv.Value).Select(kv => Get(view, kv.Key)).ToList();
            var actual = view.ChangedSince(v);
            if (!actual.SequenceEqual(expected) || view.CountChangedSince(v) != expected.Count)
            {
                return false;
            }
        }

        return true;
    }

    [Property(Arbitrary = [typeof(MembershipArbitraries)], MaxTest = 200)]
    public bool Merge_ChangedRecordsIntoEmptyView_ReproducesDigest(ViewOp[] ops)
    {
        // What a receiver gets from deltas since version 0 (plus the base it shares) equals the sender's view.
        var sender = new MembershipView(HalfPoolBase);
        foreach (var op in ops)
        {
            op.ApplyTo(sender);
        }

        var receiver = new MembershipView(HalfPoolBase);
        foreach (var r in sender.ChangedSince(0))
        {
            receiver.Merge(r);
        }

        return receiver.Digest == sender.Digest && Canonical(receiver).SequenceEqual(Canonical(sender));
    }

    private static ulong XorOfRecords(MembershipView view) =>
        view.Records().Aggregate(0UL, (acc, r) => acc ^ MembershipDigest.Of(r));

    private static List<PeerRecord> Canonical(MembershipView view) => [.. view.Records().OrderBy(r => r.Peer)];

    private static PeerRecord Get(MembershipView view, PeerId peer)
    {
        Assert.True(view.TryGet(peer, out var record));
        return record;
    }
}
