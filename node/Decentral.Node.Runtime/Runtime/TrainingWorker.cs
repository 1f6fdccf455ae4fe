using Decentral.Learning;
using Microsoft.Extensions.Logging;

namespace Decentral.Node.Runtime.Runtime;

/// <summary>
/// Runs local training off the event loop, one job at a time (the trainers are not thread-safe,
/// and a TorchSharp model cannot be interrupted midway), and posts each result back to the loop
/// as an event. A job cancelled before it starts never runs; one cancelled while it runs still
/// finishes, and its result is dropped on the loop (the job id no longer matches).
/// </summary>
internal sealed class TrainingWorker
{
    private readonly ILocalTrainer _trainer;
    private readonly TimeProvider _time;
    private readonly Action<TrainingFinished> _done;
    private readonly Action<long, Exception> _failed;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _job;
    private long _liveJob;

    public TrainingWorker(ILocalTrainer trainer, TimeProvider time, Action<TrainingFinished> done, Action<long, Exception> failed)
    {
        _trainer = trainer;
        _time = time;
        _done = done;
        _failed = failed;
    }

    /// <summary>The round being trained (0 when none).</summary>
    public long Round { get; private set; }

    /// <summary>Starts training <paramref name="start"/> for <paramref name="round"/>; replaces any job not finished yet. Loop thread.</summary>
    public long Start(long round, ModelVector start)
    {
        var job = ++_job;
        Volatile.Write(ref _liveJob, job);
        Round = round;
        _ = Task.Run(() => RunAsync(job, round, start));
        return job;
    }

    /// <summary>Abandons the job of <paramref name="round"/>, if it is the live one. Loop thread.</summary>
    public void Cancel(long round)
    {
        if (Round == round)
        {
            Volatile.Write(ref _liveJob, 0);
            Round = 0;
        }
    }

    /// <summary>True when <paramref name="job"/> is still the live job (then it is no longer). Loop thread.</summary>
    public bool TryComplete(long job)
    {
        if (Volatile.Read(ref _liveJob) != job)
        {
            return false;
        }

        Volatile.Write(ref _liveJob, 0);
        Round = 0;
        return true;
    }

    private async Task RunAsync(long job, long round, ModelVector start)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _liveJob) != job)
            {
                return;
            }

            var started = _time.GetTimestamp();
            var result = new float[start.Length];
            var outcome = _trainer.Train(start.Parameters, result, round);
            var model = new ModelVector(start.LayoutId, result, start.SamplesTrained + outcome.SamplesUsed);
            _done(new TrainingFinished(job, round, model, outcome.SamplesUsed, outcome.MeanLoss, started, _time.GetTimestamp()));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _failed(round, e);
        }
        finally
        {
            _gate.Release();
        }
    }
}
