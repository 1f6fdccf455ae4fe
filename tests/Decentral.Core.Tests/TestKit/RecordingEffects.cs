using Decentral.Identity;
using Decentral.Learning;
using Decentral.Protocol;

namespace Decentral.Core.Tests.TestKit;

/// <summary>An <see cref="IProtocolEffects"/> that records every effect and carries out none.</summary>
public sealed class RecordingEffects : IProtocolEffects
{
    /// <summary>Every send, in order.</summary>
    public List<(PeerId To, ProtocolMessage Message)> Sent { get; } = [];

    /// <summary>Every training started, in order.</summary>
    public List<(long Round, ModelVector Start)> TrainingStarts { get; } = [];

    /// <summary>Rounds whose training was cancelled, in order.</summary>
    public List<long> TrainingCancels { get; } = [];

    /// <summary>Timers set and not cancelled or fired, with their delay.</summary>
    public Dictionary<TimerKey, TimeSpan> PendingTimers { get; } = [];

    /// <summary>Every timer set, in order (including replaced ones).</summary>
    public List<(TimerKey Key, TimeSpan Delay)> TimersSet { get; } = [];

    /// <summary>Every observation, in order.</summary>
    public List<ProtocolObservation> Observations { get; } = [];

    /// <inheritdoc />
    public void Send(PeerId to, ProtocolMessage message) => Sent.Add((to, message));

    /// <inheritdoc />
    public void StartTraining(long round, ModelVector start) => TrainingStarts.Add((round, start));

    /// <inheritdoc />
    public void CancelTraining(long round) => TrainingCancels.Add(round);

    /// <inheritdoc />
    public void SetTimer(TimerKey key, TimeSpan delay)
    {
        PendingTimers[key] = delay;
        TimersSet.Add((key, delay));
    }

    /// <inheritdoc />
    public void CancelTimer(TimerKey key) => PendingTimers.Remove(key);

    /// <inheritdoc />
    public void Observe(ProtocolObservation observation) => Observations.Add(observation);

    /// <summary>Messages of type <typeparamref name="T"/> sent, with their receivers.</summary>
    public List<(PeerId To, T Message)> SentOf<T>()
        where T : ProtocolMessage =>
        [.. Sent.Where(s => s.Message is T).Select(s => (s.To, (T)s.Message))];

    /// <summary>Observations of one kind.</summary>
    public List<ProtocolObservation> ObservedOf(ObservationKind kind) => [.. Observations.Where(o => o.Kind == kind)];

    /// <summary>The single pending timer of <paramref name="kind"/> (fails the test when there is not exactly one).</summary>
    public TimerKey PendingTimer(TimerKind kind) => Assert.Single(PendingTimers.Keys, k => k.Kind == kind);

    /// <summary>Forgets everything recorded so far except pending timers.</summary>
    public void ClearRecorded()
    {
        Sent.Clear();
        TrainingStarts.Clear();
        TrainingCancels.Clear();
        TimersSet.Clear();
        Observations.Clear();
    }
}
