using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Telemetry;

namespace Decentral.Node.Runtime.Runtime;

/// <content>What the protocol core observes: telemetry rows, checkpoints, the meter and the log.</content>
public sealed partial class NodeRuntime
{
    private void OnObservation(ProtocolObservation observation)
    {
        var node = _node!;
        switch (observation.Kind)
        {
            case ObservationKind.Aggregated:
                _observedRound = Math.Max(_observedRound, observation.Round);
                if (observation.Model is { } model && observation.Round >= _latestModelRound)
                {
                    _latestModel = model;
                    _latestModelRound = observation.Round;
                }

                _telemetry!.Aggregated(observation.Round, observation.Count, observation.Model, node.View.Count, ActivePeers(node),
                    _clock.AggregateSent(observation.Round), _clock.SinceSend(aggregate: true));
                Log.Aggregated(_logger, observation.Round, observation.Count, node.View.Count);
                RequestCheckpoint();
                break;
            case ObservationKind.TrainingSent:
                _telemetry!.Trained(observation.Round, _lastLoss, node.View.Count, ActivePeers(node), _clock.TrainedModelSent(observation.Round), _clock.SinceSend(aggregate: false));
                Log.Trained(_logger, observation.Round, _lastLoss, observation.Count);
                break;
            case ObservationKind.TrainingStarted:
                if (!_trainedOnce)
                {
                    _trainedOnce = true;
                    Log.FirstTraining(_logger, observation.Round);
                }

                RequestCheckpoint();
                break;
            case ObservationKind.ModelRejected:
                _telemetry!.Events.Rejected(observation.Reason);
                break;
        }

        if (RoundRow.CheckIndex(observation.Kind) is { } check)
        {
            OnRoundCheck(observation, RoundRow.CheckNames[check]);
        }

        Observed?.Invoke(observation);
    }

    // What a round check found (an outcome of RoundRow.CheckKinds): counted in telemetry and on the meter, and logged.
    private void OnRoundCheck(ProtocolObservation observation, string outcome)
    {
        _telemetry!.Events.Observed(observation);
        _meter.Checked(outcome, RoundRow.PeersOf(observation));
        switch (observation.Kind)
        {
            case ObservationKind.AggregatorSilent:
                Log.AggregatorSilent(_logger, observation.Round);
                break;
            case ObservationKind.AggregatorRestarted:
                Log.AggregatorRestarted(_logger, observation.Round);
                break;
            case ObservationKind.TrainersSilent:
                Log.TrainersSilent(_logger, observation.Round, observation.Count);
                break;
            case ObservationKind.TrainerNotSampled:
                Log.TrainerNotSampled(_logger, observation.Round);
                break;
            case ObservationKind.TrainerSentElsewhere:
                Log.TrainerSentElsewhere(_logger, observation.Round);
                break;
        }
    }

    private int ActivePeers(IProtocolNode node)
    {
        var round = RoundOf(node);
        var threshold = _options.Protocol.InactivityThreshold;
        return node.View.Records().Count(r => r.Status == MembershipStatus.Join && r.LastActiveRound >= round - threshold);
    }
}
