using System.Globalization;
using Decentral.Baselines;
using Decentral.Libp2p.Multiformats;
using Decentral.Protocol;
using Microsoft.Extensions.Options;

namespace Decentral.Node.Runtime.Options;

/// <summary>
/// Validates every options section at start. Each message names the configuration key it is
/// about ("learning:partition:index must be below learning:partition:count (got 4, count 4)"), so
/// a user can find the value in whichever layer set it (file, environment, command line).
/// </summary>
public sealed class NodeOptionsValidator :
    IValidateOptions<NodeOptions>,
    IValidateOptions<ModestOptions>,
    IValidateOptions<BaselineSettings>,
    IValidateOptions<NodeLearningOptions>,
    IValidateOptions<FoundingOptions>,
    IValidateOptions<NetworkOptions>
{
    /// <summary>The protocols a node can run: MoDeST and the baselines, as the simulator builds them.</summary>
    public static IReadOnlyList<string> Algorithms { get; } = [.. ProtocolFactory.Algorithms.Keys];

    private static readonly string[] Tasks = ["synthetic", "mnist", "fashion-mnist", "movielens"];

    /// <summary>The configuration section of the protocol options (the scenario's `protocol` section).</summary>
    public const string ProtocolSection = "protocol";

    /// <summary>The configuration section of the baselines' options (the scenario's `baselines` section).</summary>
    public const string BaselinesSection = "baselines";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add("node:dataDir must be set");
        }

        if (string.IsNullOrEmpty(options.Session) || options.Session.Length > 64 || !options.Session.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            errors.Add($"node:session must be 1-64 letters, digits, '.', '_' or '-' (got '{options.Session}')");
        }

        CheckAddresses(errors, "node:listen", options.Listen, requirePeerId: false, dialable: false);
        CheckAddresses(errors, "node:announce", options.Announce, requirePeerId: false, dialable: true);
        CheckAddresses(errors, "node:bootstrap", options.Bootstrap, requirePeerId: true, dialable: true);
        if (options.Slot < -1)
        {
            errors.Add($"node:slot must be -1 (the partition index) or a slot number (got {options.Slot})");
        }

        if (!Algorithms.Contains(options.Algorithm, StringComparer.Ordinal))
        {
            errors.Add($"node:algorithm must be one of {string.Join(", ", Algorithms)} (got '{options.Algorithm}')");
        }

        Positive(errors, "node:shutdownTimeout", options.ShutdownTimeout);
        Positive(errors, "node:statusInterval", options.StatusInterval);
        return Result(errors);
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ModestOptions options) =>
        Result([.. options.Validate().Select(e => Keyed(ProtocolSection, e))]);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BaselineSettings options) =>
        Result([.. options.Validate().Select(e => Keyed(BaselinesSection, e.Replace(".", ":", StringComparison.Ordinal)))]);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NodeLearningOptions options)
    {
        var errors = new List<string>();
        if (!Tasks.Contains(options.Task, StringComparer.Ordinal))
        {
            errors.Add($"learning:task must be one of {string.Join(", ", Tasks)} (got '{options.Task}')");
        }

        var models = options.Task switch
        {
            "movielens" => new[] { "mf" },
            "synthetic" => ["softmax"],
            _ => ["softmax", "lenet"],
        };
        if (!models.Contains(options.Model, StringComparer.Ordinal))
        {
            errors.Add($"learning:model must be one of {string.Join(", ", models)} for task '{options.Task}' (got '{options.Model}')");
        }

        if (!(options.LearningRate > 0) || !double.IsFinite(options.LearningRate))
        {
            errors.Add($"learning:learningRate must be positive and finite (got {Text(options.LearningRate)})");
        }

        AtLeast(errors, "learning:batchSize", options.BatchSize, 1);
        AtLeast(errors, "learning:localSteps", options.LocalSteps, 1);
        AtLeast(errors, "learning:evalEveryRounds", options.EvalEveryRounds, 1);
        AtLeast(errors, "learning:dimensions", options.Dimensions, 1);
        AtLeast(errors, "learning:classes", options.Classes, 2);
        AtLeast(errors, "learning:samplesPerNode", options.SamplesPerNode, 1);
        AtLeast(errors, "learning:testSamples", options.TestSamples, 1);
        var p = options.Partition;
        AtLeast(errors, "learning:partition:count", p.Count, 1);
        if (p.Index < 0 || (p.Count >= 1 && p.Index >= p.Count))
        {
            errors.Add($"learning:partition:index must be from 0 to learning:partition:count - 1 (got {p.Index}, count {p.Count})");
        }

        if (!(p.Alpha >= 0) || !double.IsFinite(p.Alpha))
        {
            errors.Add($"learning:partition:alpha must be 0 (IID) or positive (got {Text(p.Alpha)})");
        }

        if (options.DataFolder is { } folder && options.Task is not ("mnist" or "fashion-mnist"))
        {
            errors.Add($"learning:dataFolder ('{folder}') is supported for the image tasks (mnist, fashion-mnist), not '{options.Task}'");
        }

        return Result(errors);
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FoundingOptions options)
    {
        var errors = new List<string>();
        AtLeast(errors, "founding:minPeers", options.MinPeers, 0);
        Positive(errors, "founding:settle", options.Settle);
        Positive(errors, "founding:gatherAnnounceInterval", options.GatherAnnounceInterval);
        if (options.ResumeAfter < TimeSpan.Zero)
        {
            errors.Add($"founding:resumeAfter must be 00:00:00 (off) or a positive duration such as 00:05:00 (got {options.ResumeAfter})");
        }

        return Result(errors);
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NetworkOptions options)
    {
        var errors = new List<string>();
        Positive(errors, "network:dialTimeout", options.DialTimeout);
        AtLeast(errors, "network:dialRetries", options.DialRetries, 0);
        Positive(errors, "network:dialRetryDelay", options.DialRetryDelay);
        Positive(errors, "network:sendTimeout", options.SendTimeout);
        if (options.SendTimeout < options.DialTimeout)
        {
            errors.Add($"network:sendTimeout ({options.SendTimeout}) must be at least network:dialTimeout ({options.DialTimeout})");
        }

        if (!(options.BreakerFailureRatio is > 0 and <= 1))
        {
            errors.Add($"network:breakerFailureRatio must be in (0, 1] (got {Text(options.BreakerFailureRatio)})");
        }

        AtLeast(errors, "network:breakerMinimumThroughput", options.BreakerMinimumThroughput, 2);
        if (options.BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"network:breakerSamplingDuration must be at least 00:00:00.5 (got {options.BreakerSamplingDuration})");
        }

        if (options.BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"network:breakerBreakDuration must be at least 00:00:00.5 (got {options.BreakerBreakDuration})");
        }

        Positive(errors, "network:bootstrapRetryDelay", options.BootstrapRetryDelay);
        if (options.BootstrapRetryMax < options.BootstrapRetryDelay)
        {
            errors.Add($"network:bootstrapRetryMax ({options.BootstrapRetryMax}) must be at least network:bootstrapRetryDelay ({options.BootstrapRetryDelay})");
        }

        AtLeast(errors, "network:overlayPeers", options.OverlayPeers, 1);
        if (options.OverlayRedialMax < Peers.RedialBackoff.First)
        {
            errors.Add($"network:overlayRedialMax must be at least {Peers.RedialBackoff.First} (got {options.OverlayRedialMax})");
        }
        Positive(errors, "network:announceInterval", options.AnnounceInterval);
        AtLeast(errors, "network:controlQueue", options.ControlQueue, 1);
        AtLeast(errors, "network:bulkQueue", options.BulkQueue, 1);
        if (options.MaxMessageBytes < 1024)
        {
            errors.Add($"network:maxMessageBytes must be at least 1024 (got {options.MaxMessageBytes})");
        }

        if (options.MaxInflightBytes < options.MaxMessageBytes)
        {
            errors.Add($"network:maxInflightBytes ({options.MaxInflightBytes}) must be at least network:maxMessageBytes ({options.MaxMessageBytes})");
        }

        AtLeast(errors, "network:maxAttachedRecords", options.MaxAttachedRecords, 0);
        return Result(errors);
    }

    // "SampleSize must be at least 1 (got 0)." -> "protocol:sampleSize must be at least 1 (got 0)."
    private static string Keyed(string section, string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !char.IsUpper(message[0]))
        {
            return $"{section}: {message}";
        }

        // "Codec.TopK must ..." is the key protocol:codec:topK.
        var path = string.Join(':', message[..space].Split('.').Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
        return $"{section}:{path}{message[space..]}";
    }

    private static void CheckAddresses(List<string> errors, string key, List<string> addresses, bool requirePeerId, bool dialable)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            var text = addresses[i];
            if (!Multiaddr.TryParse(text, out var address) || !address.TryGetTcpTarget(out var host, out var port, out _))
            {
                errors.Add($"{key}:{i} must be a TCP multiaddr such as /ip4/127.0.0.1/tcp/4001 (got '{text}')");
                continue;
            }

            if (requirePeerId && address.PeerId is null)
            {
                errors.Add($"{key}:{i} must end in /p2p/<peer id> so the node knows whom it dials (got '{text}')");
            }

            if (dialable && (port == 0 || host is "0.0.0.0" or "::"))
            {
                errors.Add($"{key}:{i} must be dialable: no unspecified address (0.0.0.0, ::) and no port 0 (got '{text}')");
            }
        }
    }

    private static void AtLeast(List<string> errors, string key, int value, int minimum)
    {
        if (value < minimum)
        {
            errors.Add($"{key} must be at least {minimum} (got {value})");
        }
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be a positive duration such as 00:00:05 (got {value})");
        }
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
