using Decentral.Codecs;

namespace Decentral.Protocol;

/// <summary>
/// Parameters of the MoDeST protocol. Defaults are the reference implementation's (see
/// modest-protocol.md, "Reference defaults"); the configs/ scenario files override them.
/// </summary>
public sealed class ModestOptions
{
    /// <summary>Sample size s: peers that train each round. Default 10.</summary>
    public int SampleSize { get; set; } = 10;

    /// <summary>Aggregators a: the first a live peers of the order aggregate. Default 1.</summary>
    public int Aggregators { get; set; } = 1;

    /// <summary>Success fraction sf: an aggregator proceeds with floor(sf*s) models. Default 1.0.</summary>
    public double SuccessFraction { get; set; } = 1.0;

    /// <summary>A liveness search gives up on a silent candidate after this long. Default 5 s.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Unanswered pings are resent this often. Default 1 s.</summary>
    public TimeSpan PingResend { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A ping whose delivery failed (the driver's failed send: connection refused, circuit open,
    /// receiver offline) makes its candidate silent at once instead of after
    /// <see cref="PingTimeout"/>. Off by default, as in the paper, where only the timeout
    /// decides; a node on a network where a killed process refuses connections gains a round's
    /// ping timeout every time a dead peer is sampled.
    /// </summary>
    public bool PingFailFast { get; set; }

    /// <summary>Inactivity threshold T in rounds: peers not active since k-T are not sampled in k. Default 50.</summary>
    public int InactivityThreshold { get; set; } = 50;

    /// <summary>An aggregator stops waiting for models after this long. Default 300 s.</summary>
    public TimeSpan AggregationTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>At the aggregation timeout, at least this many models are needed to proceed. Default 3.</summary>
    public int MinModels { get; set; } = 3;

    /// <summary>A trainer waits this long for its aggregator's Ack before failing over. Default 330 s.</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(330);

    /// <summary>A failed model send is retried after this long. Default 1 s.</summary>
    public TimeSpan SendRetry { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retries of a failed model send before the receiver counts as gone. Default 3.</summary>
    public int MaxSendRetries { get; set; } = 3;

    /// <summary>JOIN/LEAVE adverts go to this many times s random known peers. Default 10.</summary>
    public int AdvertFanoutFactor { get; set; } = 10;

    /// <summary>
    /// After a digest mismatch the node asks that peer for its full view at most once per this
    /// many rounds. Default 10.
    /// </summary>
    public int ResyncCooldownRounds { get; set; } = 10;

    /// <summary>
    /// While running, a node whose round estimate did not move for this long asks a random member
    /// for its view (a <see cref="ViewRequest"/>, answered only when the views differ), and a
    /// (re)joining node asks at once. A view that holds it as LEAVE at its own index (marked while
    /// it could not hear, e.g. behind a partition, or back from a checkpoint older than its index)
    /// makes it take a higher index and advert JOIN: nobody samples a peer held as LEAVE, so no
    /// round would ever tell it. A node that hears from a peer it holds as LEAVE tells it the same
    /// way (once per index). Zero (the default, as in the paper): off.
    /// </summary>
    public TimeSpan ViewCheckInterval { get; set; }

    /// <summary>
    /// An aggregator whose round still has fewer models than <see cref="SuccessThreshold"/> this
    /// long after the first arrived pings the peers it expects to train the round and that have
    /// not sent (the first s peers of the previous round's order that its view counts live). One
    /// that does not answer within <see cref="PingTimeout"/> counts as lost, and the round needs
    /// one model fewer for it (never fewer than <see cref="MinModels"/>): a trainer that crashed
    /// costs the round a check and a ping timeout instead of <see cref="AggregationTimeout"/>. A
    /// peer that answers without having received the previous round's aggregate (its pong's train
    /// estimate is older: the previous aggregator, with another view, sent that round elsewhere),
    /// or having sent its model of this round or a later one to other aggregators only (its pong's
    /// sent-elsewhere round: its view picked others), counts as lost too. The aggregator itself,
    /// when it is one of those peers, is judged by the same two rules without a ping (an
    /// aggregator the trainers failed over to may have moved on past the round). Repeated every
    /// interval until the round is aggregated or times out.
    /// Zero (the default, as in the paper): off.
    /// </summary>
    public TimeSpan TrainerCheckInterval { get; set; }

    /// <summary>
    /// A trainer that still waits for an aggregator's Ack this long after sending it its model
    /// pings it (an aggregator Acks only once it aggregated the round, so the wait is long by
    /// design). One that does not answer within <see cref="PingTimeout"/> gets the failover an Ack
    /// timeout would give it: marked LEAVE, and the model goes to the next live aggregator of the
    /// round. An aggregator that crashed holding the round's models then costs its trainers this
    /// plus <see cref="PingTimeout"/> instead of <see cref="AckTimeout"/>, and since every trainer of
    /// the round fails over to the same next aggregator of the order, the round goes on there.
    /// One that answers with a higher membership index than it had when the model went to it
    /// restarted since (a restart rejoins with a higher index) and lost the round's models: it gets
    /// the failover too, without being marked LEAVE. Repeated every interval until the Acks arrive
    /// or time out. Zero (the default, as in the paper): off.
    /// </summary>
    public TimeSpan AggregatorCheckInterval { get; set; }

    /// <summary>
    /// Search ahead (default true; the reference searches just in time): a trainer pings its next
    /// aggregators when it starts training and an aggregator pings the next sample when the round's
    /// first model arrives, so the liveness check runs while the node works instead of adding a
    /// ping round trip to the round twice. A peer found live then may have gone by the time of the
    /// send; the Ack timeout (trainers) and the success fraction (samples) already cover that.
    /// </summary>
    public bool SearchAhead { get; set; } = true;

    /// <summary>Defences against poisoned models: validation, the aggregation rule, the trainer's aggregate defence. Defaults change nothing.</summary>
    public RobustnessOptions Robustness { get; set; } = new();

    /// <summary>
    /// How models travel (quantizer, top-k, lossless stage; see <see cref="ModelCodecOptions"/>).
    /// Default: whole float32 models, as the reference implementation sends them.
    /// </summary>
    public ModelCodecOptions Codec { get; set; } = new();

    /// <summary>Models needed before an aggregator proceeds without waiting for the timeout.</summary>
    public int SuccessThreshold => Math.Max(1, (int)Math.Floor(SuccessFraction * SampleSize + 1e-9));

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SampleSize < 1)
        {
            errors.Add($"{nameof(SampleSize)} must be at least 1 (got {SampleSize}).");
        }

        // With SampleSize itself invalid, "at most SampleSize" would repeat that one mistake.
        if (Aggregators < 1 || (SampleSize >= 1 && Aggregators > SampleSize))
        {
            errors.Add($"{nameof(Aggregators)} must be between 1 and {nameof(SampleSize)} ({SampleSize}) (got {Aggregators}).");
        }

        if (!(SuccessFraction > 0 && SuccessFraction <= 1))
        {
            errors.Add($"{nameof(SuccessFraction)} must be in (0, 1] (got {SuccessFraction}).");
        }

        RequirePositive(errors, nameof(PingTimeout), PingTimeout);
        RequirePositive(errors, nameof(PingResend), PingResend);
        RequirePositive(errors, nameof(AggregationTimeout), AggregationTimeout);
        RequirePositive(errors, nameof(AckTimeout), AckTimeout);
        RequirePositive(errors, nameof(SendRetry), SendRetry);
        if (PingResend > PingTimeout)
        {
            errors.Add($"{nameof(PingResend)} ({PingResend}) must not exceed {nameof(PingTimeout)} ({PingTimeout}).");
        }

        if (InactivityThreshold < 1)
        {
            errors.Add($"{nameof(InactivityThreshold)} must be at least 1 round (got {InactivityThreshold}).");
        }

        if (MinModels < 1)
        {
            errors.Add($"{nameof(MinModels)} must be at least 1 (got {MinModels}).");
        }

        if (MaxSendRetries < 0)
        {
            errors.Add($"{nameof(MaxSendRetries)} must not be negative (got {MaxSendRetries}).");
        }

        if (AdvertFanoutFactor < 1)
        {
            errors.Add($"{nameof(AdvertFanoutFactor)} must be at least 1 (got {AdvertFanoutFactor}).");
        }

        if (TrainerCheckInterval < TimeSpan.Zero)
        {
            errors.Add($"{nameof(TrainerCheckInterval)} must not be negative (got {TrainerCheckInterval}; 0 = off).");
        }

        if (AggregatorCheckInterval < TimeSpan.Zero)
        {
            errors.Add($"{nameof(AggregatorCheckInterval)} must not be negative (got {AggregatorCheckInterval}; 0 = off).");
        }

        if (ViewCheckInterval < TimeSpan.Zero)
        {
            errors.Add($"{nameof(ViewCheckInterval)} must not be negative (got {ViewCheckInterval}; 0 = off).");
        }

        if (ResyncCooldownRounds < 1)
        {
            errors.Add($"{nameof(ResyncCooldownRounds)} must be at least 1 round (got {ResyncCooldownRounds}).");
        }

        if (Codec is null)
        {
            errors.Add($"{nameof(Codec)} must be set.");
        }
        else
        {
            errors.AddRange(Codec.Validate().Select(problem => $"{nameof(Codec)}.{problem}"));
        }

        if (Robustness is null)
        {
            errors.Add($"{nameof(Robustness)} must be set.");
            return errors;
        }

        errors.AddRange(Robustness.Validate().Select(problem => $"{nameof(Robustness)}.{problem}"));
        AddCrossChecks(errors);
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when invalid.</summary>
    public ModestOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid MoDeST options: " + string.Join(" ", errors));
    }

    // Rules that tie the robustness options to the rest (field names lead, as everywhere).
    private void AddCrossChecks(List<string> errors)
    {
        var r = Robustness;
        if (r.Rule == Aggregation.AggregationRules.Krum && SuccessThreshold < (2 * r.KrumByzantine) + 3)
        {
            errors.Add($"{nameof(Robustness)}.{nameof(RobustnessOptions.KrumByzantine)} ({r.KrumByzantine}) needs rounds of at least 2f + 3 = {(2 * r.KrumByzantine) + 3} models; floor({nameof(SuccessFraction)} x {nameof(SampleSize)}) is {SuccessThreshold}.");
        }

        if (r.Rule == Aggregation.AggregationRules.Krum && r.KrumSelect > SampleSize)
        {
            errors.Add($"{nameof(Robustness)}.{nameof(RobustnessOptions.KrumSelect)} ({r.KrumSelect}) must not exceed {nameof(SampleSize)} ({SampleSize}).");
        }

        if (r.RankLimit > 0 && r.RankLimit < SampleSize)
        {
            errors.Add($"{nameof(Robustness)}.{nameof(RobustnessOptions.RankLimit)} ({r.RankLimit}) must be 0 (off) or at least {nameof(SampleSize)} ({SampleSize}), or honest trainers are refused.");
        }
    }

    /// <summary>Pings sent to one candidate before it counts as silent.</summary>
    internal int PingAttempts => (int)Math.Ceiling(PingTimeout / PingResend - 1e-9);

    private static void RequirePositive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (got {value}).");
        }
    }
}
