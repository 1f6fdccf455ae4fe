namespace Decentral.Learning.Torch.Tests;

public sealed class SgdOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass() => new SgdOptions().Validate();

    [Theory]
    [InlineData(0, 0.9, 32, 1)]
    [InlineData(double.NaN, 0.9, 32, 1)]
    [InlineData(0.1, 1.0, 32, 1)]
    [InlineData(0.1, -0.1, 32, 1)]
    [InlineData(0.1, 0.9, 0, 1)]
    [InlineData(0.1, 0.9, 32, 0)]
    public void Validate_OutOfRange_Throws(double lr, double momentum, int batch, int steps)
    {
        var options = new SgdOptions { LearningRate = lr, Momentum = momentum, BatchSize = batch, LocalSteps = steps };

        Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate());
    }
}
