using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;

namespace Decentral.Protocol;

/// <summary>
/// A learning protocol as a driver sees it: events in, effects out through
/// <see cref="IProtocolEffects"/>. MoDeST (<see cref="ModestNode"/>) and the baselines implement
/// it, so the simulator and the node service run any of them the same way.
/// </summary>
public interface IProtocolNode
{
    /// <summary>This peer.</summary>
    PeerId Self { get; }

    /// <summary>The peer's membership view.</summary>
    MembershipView View { get; }

    /// <summary>Starts a founding member holding <paramref name="initialModel"/>.</summary>
    void Start(ModelVector initialModel);

    /// <summary>Joins (or rejoins) a running network.</summary>
    void Join();

    /// <summary>Leaves gracefully.</summary>
    void Leave();

    /// <summary>A validated message arrived.</summary>
    void Receive(PeerId from, ProtocolMessage message);

    /// <summary>A timer fired.</summary>
    void TimerFired(TimerKey key);

    /// <summary>Training of <paramref name="round"/> finished.</summary>
    void TrainingCompleted(long round, ModelVector trained, int samples);

    /// <summary>A send could not be delivered.</summary>
    void SendFailed(PeerId to, ProtocolMessage message);
}
