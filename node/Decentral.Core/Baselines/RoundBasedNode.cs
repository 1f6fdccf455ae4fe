using Decentral.Learning;
using Decentral.Identity;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Baselines;

/// <summary>
/// The round loop D-PSGD and Epidemic Learning share: train round k, send the trained model
/// (subclass picks the receivers), wait for models until the subclass says enough or the round
/// timer fires, average the own model with the received ones (equal weights, own first), observe
/// <see cref="ObservationKind.Aggregated"/> with the average, and train it as round k+1.
/// </summary>
public abstract class RoundBasedNode : BaselineNode
{
    private ModelVector? _own;

    /// <summary>Sets up the shared state.</summary>
    protected RoundBasedNode(PeerId self, MembershipView view, IProtocolEffects effects, Random random)
        : base(self, view, effects, random)
    {
    }

    /// <summary>The round this node is in.</summary>
    public long Round { get; private set; }

    /// <summary>Begins round 1 from <paramref name="initialModel"/>.</summary>
    protected void BeginFirstRound(ModelVector initialModel)
    {
        Round = 1;
        Train(1, initialModel);
    }

    /// <inheritdoc />
    protected sealed override void OnTimer(TimerKey key)
    {
        if (key.Kind == TimerKind.RoundTimeout && key.Id == Round)
        {
            TryFinish(timedOut: true);
        }
    }

    /// <inheritdoc />
    protected sealed override void OnTrained(long round, ModelVector trained, int samples)
    {
        if (round != Round || _own is not null)
        {
            return;
        }

        _own = trained;
        var sent = SendTrained(new TrainedModel(round, trained, samples, NoView));
        Observe(ObservationKind.TrainingSent, round, sent);
        Effects.SetTimer(new TimerKey(TimerKind.RoundTimeout, round), RoundTimeout);
        TryFinish(timedOut: false);
    }

    /// <summary>How long a round waits for models after sending.</summary>
    protected abstract TimeSpan RoundTimeout { get; }

    /// <summary>Sends this round's trained model to the round's receivers; returns how many.</summary>
    protected abstract int SendTrained(TrainedModel message);

    /// <summary>Models received for the current round, in a fixed order, when there are enough (or all there are when <paramref name="timedOut"/>); null to keep waiting.</summary>
    protected abstract IReadOnlyList<ModelVector>? TakeReceived(bool timedOut);

    /// <summary>Averages and moves on when the own model is trained and enough models arrived.</summary>
    protected void TryFinish(bool timedOut)
    {
        if (_own is null || TakeReceived(timedOut) is not { } received)
        {
            return;
        }

        Effects.CancelTimer(new TimerKey(TimerKind.RoundTimeout, Round));
        var contributions = new List<(ModelVector, double)>(received.Count + 1) { (_own, 1.0) };
        contributions.AddRange(received.Select(m => (m, 1.0)));
        var average = Average(contributions, _own.SamplesTrained);
        Observe(ObservationKind.Aggregated, Round, contributions.Count, average);
        _own = null;
        Round++;
        Train(Round, average);
    }
}
