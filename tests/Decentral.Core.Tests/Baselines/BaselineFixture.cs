using Decentral.Core.Tests.TestKit;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;

namespace Decentral.Core.Tests.Baselines;

/// <summary>Shared bits of the baseline transition tests: peers, a view and small models.</summary>
internal static class BaselineFixture
{
    public const string Layout = "test/2";

    public static PeerId[] Peers(int count) => TestPeers.Range(count);

    public static MembershipView View(PeerId[] peers) => new(TestPeers.FoundersBase(peers));

    public static ModelVector Model(float a, float b, long age = 0) => new(Layout, [a, b], age);
}
