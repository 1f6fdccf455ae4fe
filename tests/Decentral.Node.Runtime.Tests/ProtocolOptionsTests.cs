using Decentral.Node.Runtime.Runtime;

namespace Decentral.Node.Runtime.Tests;

public sealed class ProtocolOptionsTests
{
    [Fact]
    public void Validate_BadCodec_NamesTheNestedConfigurationKeys()
    {
        var options = new NodeRuntimeOptions();
        options.Protocol.Codec.Quantizer = "int4";
        options.Protocol.Codec.TopK = 2;

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("protocol:codec:quantizer must be fp32, fp16 or int8", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("protocol:codec:topK must be 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultCodec_IsValid()
    {
        Assert.DoesNotContain(new NodeRuntimeOptions().Validate(), e => e.StartsWith("protocol:codec", StringComparison.Ordinal));
    }
}
