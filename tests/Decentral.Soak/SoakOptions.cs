using Decentral.Soak.Attack;

namespace Decentral.Soak;

/// <summary>One soak run: how many nodes, how long, what chaos and what attack.</summary>
public sealed record SoakOptions
{
    /// <summary>Node processes (MNIST softmax regression, each with its Dirichlet share).</summary>
    public int Nodes { get; init; } = 20;

    /// <summary>MoDeST's s.</summary>
    public int SampleSize { get; init; } = 5;

    /// <summary>How long the measured phase (chaos and attack, or the calm baseline) lasts.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Kill -9 a random node this often and restart it at once on its data directory; null: no chaos.</summary>
    public TimeSpan? KillEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// With <see cref="KillEvery"/> null: kill this many nodes one after another, each once the
    /// previous victim was sampled again (paced by recovery, not by a clock; the CI tier).
    /// </summary>
    public int PacedKills { get; init; }

    /// <summary>The attacker; null: none.</summary>
    public AttackOptions? Attack { get; init; } = new();

    /// <summary>Node i listens on 127.0.0.1:BasePort + i; 0: ports the system picks (a new one at each restart).</summary>
    public int BasePort { get; init; } = 48000;

    /// <summary>The data directories (node-0 ...), their logs (node-i/node.log) and the run's samples go here.</summary>
    public required string Out { get; init; }

    /// <summary>Seeds the choice of victims.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Bound on the cluster's start (every node running with the full view).</summary>
    public TimeSpan StartBound { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>Bound on each restarted node's recovery (rejoined, sampled again) and on the views' final agreement.</summary>
    public TimeSpan RecoveryBound { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How often every node's VmRSS and the load average are sampled.</summary>
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>More decentral-node run options for every node.</summary>
    public IReadOnlyList<string> NodeArguments { get; init; } = [];

    /// <summary>The session's name.</summary>
    public string Session { get; init; } = "soak";

    /// <summary>Kills at all (by the clock or paced).</summary>
    public bool Chaos => KillEvery is not null || PacedKills > 0;

    /// <summary>The problems with these options, empty when they can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Nodes < 3)
        {
            errors.Add($"nodes must be at least 3 (got {Nodes})");
        }

        if (SampleSize < 2 || SampleSize > Nodes)
        {
            errors.Add($"sample size must be from 2 to the node count {Nodes} (got {SampleSize})");
        }

        if (Duration <= TimeSpan.Zero && PacedKills == 0)
        {
            errors.Add("duration must be positive");
        }

        if (KillEvery is { } every && every <= TimeSpan.Zero)
        {
            errors.Add("kill interval must be positive");
        }

        if (BasePort != 0 && (BasePort < 1024 || BasePort + Nodes > 65535))
        {
            errors.Add($"base port must be 0 or from 1024 to {65535 - Nodes} (got {BasePort})");
        }

        return errors;
    }
}
