using Decentral.Core.Tests.TestKit;
using Decentral.Membership;
using Decentral.Protocol;
using Decentral.Sampling;

namespace Decentral.Core.Tests.Protocol;

public sealed class ModestOptionsTests
{
    public static TheoryData<string, Action<ModestOptions>> InvalidFields => new()
    {
        { nameof(ModestOptions.SampleSize), o => o.SampleSize = 0 },
        { nameof(ModestOptions.Aggregators), o => o.Aggregators = 0 },
        { nameof(ModestOptions.Aggregators), o => o.Aggregators = 11 },
        { nameof(ModestOptions.SuccessFraction), o => o.SuccessFraction = 0 },
        { nameof(ModestOptions.SuccessFraction), o => o.SuccessFraction = 1.5 },
        { nameof(ModestOptions.SuccessFraction), o => o.SuccessFraction = double.NaN },
        { nameof(ModestOptions.PingTimeout), o => o.PingTimeout = TimeSpan.Zero },
        { nameof(ModestOptions.PingResend), o => o.PingResend = TimeSpan.FromSeconds(6) },
        { nameof(ModestOptions.AggregationTimeout), o => o.AggregationTimeout = TimeSpan.FromSeconds(-1) },
        { nameof(ModestOptions.AckTimeout), o => o.AckTimeout = TimeSpan.Zero },
        { nameof(ModestOptions.SendRetry), o => o.SendRetry = TimeSpan.Zero },
        { nameof(ModestOptions.InactivityThreshold), o => o.InactivityThreshold = 0 },
        { nameof(ModestOptions.MinModels), o => o.MinModels = 0 },
        { nameof(ModestOptions.MaxSendRetries), o => o.MaxSendRetries = -1 },
        { nameof(ModestOptions.AdvertFanoutFactor), o => o.AdvertFanoutFactor = 0 },
        { nameof(ModestOptions.ResyncCooldownRounds), o => o.ResyncCooldownRounds = 0 },
        { nameof(ModestOptions.TrainerCheckInterval), o => o.TrainerCheckInterval = TimeSpan.FromSeconds(-1) },
        { nameof(ModestOptions.AggregatorCheckInterval), o => o.AggregatorCheckInterval = TimeSpan.FromSeconds(-1) },
        { "Robustness.Rule", o => o.Robustness.Rule = "average" },
        { "Robustness.TrimFraction", o => o.Robustness.TrimFraction = 0.5 },
        { "Robustness.TrimFraction", o => o.Robustness.TrimFraction = -0.1 },
        { "Robustness.ClipRatio", o => o.Robustness.ClipRatio = 0 },
        { "Robustness.ClipNorm", o => o.Robustness.ClipNorm = double.PositiveInfinity },
        { "Robustness.KrumByzantine", o => o.Robustness.KrumByzantine = -1 },
        { "Robustness.KrumSelect", o => o.Robustness.KrumSelect = 0 },
        { "Robustness.MaxNorm", o => o.Robustness.MaxNorm = -1 },
        { "Robustness.MaxNormRatio", o => o.Robustness.MaxNormRatio = 0.5 },
        { "Robustness.MaxNormRatio", o => o.Robustness.MaxNormRatio = double.NaN },
        { "Robustness.MaxRoundsAhead", o => o.Robustness.MaxRoundsAhead = -1 },
        { "Robustness.RankLimit", o => o.Robustness.RankLimit = -1 },
        { "Robustness.RankLimit", o => o.Robustness.RankLimit = 5 },
        { "Robustness.AggregateDefence", o => o.Robustness.AggregateDefence = "mean" },
        { "Robustness.AggregateWait", o => o.Robustness.AggregateWait = TimeSpan.Zero },
        { "Robustness.AggregateFarRatio", o => o.Robustness.AggregateFarRatio = 0.9 },
        { "Robustness.AggregateMaxChange", o => o.Robustness.AggregateMaxChange = -1 },
    };

    [Theory]
    [InlineData(10, 1.0, 3, true)]
    [InlineData(10, 1.0, 4, false)]
    [InlineData(10, 0.5, 1, true)]
    [InlineData(10, 0.5, 2, false)]
    public void Validate_KrumByzantine_NeedsTwoFPlusThreeModelsPerRound(int s, double sf, int f, bool valid)
    {
        var options = new ModestOptions { SampleSize = s, SuccessFraction = sf, Robustness = { Rule = "krum", KrumByzantine = f } };

        var errors = options.Validate();

        Assert.Equal(valid, errors.Count == 0);
        Assert.All(errors, e => Assert.StartsWith("Robustness.KrumByzantine", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Defaults_HasNoErrors()
    {
        Assert.Empty(new ModestOptions().Validate());
        Assert.Empty(NodeFixture.SmallOptions().Validate());
    }

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public void Validate_OneInvalidField_GivesOneErrorNamingOnlyThatField(string field, Action<ModestOptions> spoil)
    {
        var options = new ModestOptions();
        spoil(options);

        var subjects = options.Validate().Select(e => e[..e.IndexOf(' ', StringComparison.Ordinal)]).ToList();

        // Exactly one error is about the field; any other is about a field whose bound it sets.
        Assert.Single(subjects, field);
        Assert.All(subjects, s => Assert.True(s == field || Dependents(field).Contains(s), $"unexpected error about {s}"));
    }

    [Fact]
    public void EnsureValid_SeveralInvalidFields_ThrowsNamingEach()
    {
        var options = new ModestOptions { SampleSize = 0, MinModels = 0 };

        var ex = Assert.Throws<ArgumentException>(() => options.EnsureValid());

        Assert.Contains(nameof(ModestOptions.SampleSize), ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ModestOptions.MinModels), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModestNode_InvalidOptions_ThrowsNamingTheField()
    {
        var options = new ModestOptions { MaxSendRetries = -2 };

        var ex = Assert.Throws<ArgumentException>(() => new ModestNode(TestPeers.Get(0), options, new MembershipView(), new ViewRoundOrder(), new RecordingEffects(), new Random(1)));

        Assert.Contains(nameof(ModestOptions.MaxSendRetries), ex.Message, StringComparison.Ordinal);
    }

    // Fields whose valid range is bounded by another field's value.
    private static string[] Dependents(string field) => field switch
    {
        nameof(ModestOptions.SampleSize) => [nameof(ModestOptions.Aggregators)],
        nameof(ModestOptions.PingTimeout) => [nameof(ModestOptions.PingResend)],
        _ => [],
    };

    [Theory]
    [InlineData(10, 1.0, 10)]
    [InlineData(10, 0.9, 9)]
    [InlineData(10, 0.8, 8)]
    [InlineData(10, 0.7, 7)]
    [InlineData(10, 0.33, 3)]
    [InlineData(10, 0.01, 1)]
    [InlineData(5, 0.6, 3)]
    public void SuccessThreshold_SampleSizeAndFraction_IsFloorOfProductAtLeastOne(int s, double sf, int expected) =>
        Assert.Equal(expected, new ModestOptions { SampleSize = s, SuccessFraction = sf }.SuccessThreshold);

    [Theory]
    [InlineData(5, 1, 5)]
    [InlineData(2, 1, 2)]
    [InlineData(2.5, 1, 3)]
    [InlineData(1, 1, 1)]
    public void PingAttempts_TimeoutAndResend_IsCeilingOfRatio(double timeoutSeconds, double resendSeconds, int expected)
    {
        var options = new ModestOptions { PingTimeout = TimeSpan.FromSeconds(timeoutSeconds), PingResend = TimeSpan.FromSeconds(resendSeconds) };

        Assert.Equal(expected, options.PingAttempts);
    }
}
