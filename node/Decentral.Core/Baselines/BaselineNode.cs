using Decentral.Aggregation;
using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Protocol;

namespace Decentral.Baselines;

/// <summary>
/// What the baseline protocols share: identity, the (unchanging) founding view that telemetry
/// reads, the running flag, and helpers for sending models and averaging them. Baselines reuse
/// MoDeST's message records with an empty view update, so their bytes are counted exactly like
/// MoDeST's model messages minus the membership piggyback they do not need.
/// </summary>
public abstract class BaselineNode : IProtocolNode
{
    /// <summary>The view update baselines attach to model messages (no membership information).</summary>
    protected static readonly ViewUpdate NoView = ViewUpdate.Empty(0);

    /// <summary>Sets up the shared state.</summary>
    protected BaselineNode(PeerId self, MembershipView view, IProtocolEffects effects, Random random)
    {
        Self = self ?? throw new ArgumentNullException(nameof(self));
        View = view ?? throw new ArgumentNullException(nameof(view));
        Effects = effects ?? throw new ArgumentNullException(nameof(effects));
        Random = random ?? throw new ArgumentNullException(nameof(random));
    }

    /// <inheritdoc />
    public PeerId Self { get; }

    /// <inheritdoc />
    public MembershipView View { get; }

    /// <summary>True between Start/Join and Leave.</summary>
    public bool IsRunning { get; private set; }

    /// <summary>The driver.</summary>
    protected IProtocolEffects Effects { get; }

    /// <summary>Seeded randomness.</summary>
    protected Random Random { get; }

    /// <inheritdoc />
    public void Start(ModelVector initialModel)
    {
        ArgumentNullException.ThrowIfNull(initialModel);
        IsRunning = true;
        OnStart(initialModel);
    }

    /// <inheritdoc />
    public void Join()
    {
        IsRunning = true;
        OnJoin();
    }

    /// <inheritdoc />
    public void Leave()
    {
        if (IsRunning)
        {
            OnLeave();
            IsRunning = false;
        }
    }

    /// <summary>
    /// A validated message arrived. The node takes it over: a model in pooled buffers (decoded
    /// from the wire) is copied to the heap and the buffers released at once, because baselines
    /// keep received models across events. Baselines send and read whole float32 models only.
    /// </summary>
    public void Receive(PeerId from, ProtocolMessage message)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(message);
        var owned = message switch
        {
            TrainedModel { Model.IsPooled: true } t => t with { Model = t.Model.ToHeap() },
            AggregatedModel { Model.IsPooled: true } a => a with { Model = a.Model.ToHeap() },
            _ => message,
        };
        message.Release();
        if (IsRunning && owned is not BaseReply)
        {
            OnReceive(from, owned);
        }
    }

    /// <inheritdoc />
    public void TimerFired(TimerKey key)
    {
        if (IsRunning)
        {
            OnTimer(key);
        }
    }

    /// <inheritdoc />
    public void TrainingCompleted(long round, ModelVector trained, int samples)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (IsRunning)
        {
            OnTrained(round, trained, samples);
        }
    }

    /// <inheritdoc />
    public void SendFailed(PeerId to, ProtocolMessage message)
    {
        if (IsRunning)
        {
            OnSendFailed(to, message);
        }
    }

    /// <summary>A founding member starts with the shared initial model.</summary>
    protected abstract void OnStart(ModelVector initialModel);

    /// <summary>A newcomer joins; by default it does nothing (fixed-membership baselines).</summary>
    protected virtual void OnJoin()
    {
    }

    /// <summary>Graceful leave; by default the node simply stops.</summary>
    protected virtual void OnLeave()
    {
    }

    /// <summary>A message arrived while running.</summary>
    protected abstract void OnReceive(PeerId from, ProtocolMessage message);

    /// <summary>A timer fired while running.</summary>
    protected abstract void OnTimer(TimerKey key);

    /// <summary>Training finished while running.</summary>
    protected abstract void OnTrained(long round, ModelVector trained, int samples);

    /// <summary>A send failed while running; by default ignored (round timeouts cover it).</summary>
    protected virtual void OnSendFailed(PeerId to, ProtocolMessage message)
    {
    }

    /// <summary>Starts training and records it.</summary>
    protected void Train(long round, ModelVector start)
    {
        Effects.StartTraining(round, start);
        Observe(ObservationKind.TrainingStarted, round);
    }

    /// <summary>Records an observation.</summary>
    protected void Observe(ObservationKind kind, long round, int count = 0, ModelVector? model = null) =>
        Effects.Observe(new ProtocolObservation(kind, round, count, model));

    /// <summary>
    /// Weighted average of <paramref name="models"/> in the order given (the caller fixes a
    /// canonical order, so every run computes the same bits). The result's age is
    /// <paramref name="samplesTrained"/>.
    /// </summary>
    protected static ModelVector Average(IReadOnlyList<(ModelVector Model, double Weight)> models, long samplesTrained)
    {
        if (models.Count == 0)
        {
            throw new ArgumentException("Nothing to average.", nameof(models));
        }

        var first = models[0].Model;
        var result = new float[first.Length];
        var averaged = FedAvg.Average([.. models.Select(m => new WeightedModel(m.Model, m.Weight))], result);
        if (!averaged.Ok)
        {
            throw new InvalidOperationException($"Cannot average models: {averaged.Error}.");
        }

        return new ModelVector(first.LayoutId, result, samplesTrained);
    }
}
