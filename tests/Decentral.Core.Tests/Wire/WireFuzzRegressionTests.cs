using Decentral.Wire;

namespace Decentral.Core.Tests.Wire;

/// <summary>Inputs the fuzz tiers found escaping <see cref="WireCodec.Decode(ReadOnlyMemory{byte})"/> as exceptions.</summary>
public sealed class WireFuzzRegressionTests
{
    [Theory]
    [InlineData("9301069194C6EAE90338905995612959273A5C63F936360A4614AC8737D1040901")]
    [InlineData("93010891934DC29294C68D74F5CE471495BA1F2573260024208A88E3DD7409F195FD52DB2D3CBA5D72CA6709BF1D94121BF3748801B40F6F5C08020294C4260024080112208139770EFFFFFFA87D175F56A35466C34C7ECCCB8D8A91B4EE37A25DF60F5B8FC9B394010101")]
    public void Decode_BinHeaderLongerThanTheInput_IsAValueNotAnException(string hex)
    {
        // MessagePack's reader sliced past the end and threw ArgumentOutOfRangeException. Found in
        // format 1; the version byte follows the codec so the input still reaches the bin32 header.
        var bytes = Convert.FromHexString(hex);
        bytes[1] = WireCodec.FormatVersion;

        var result = new WireCodec().Decode(bytes);

        Assert.Equal(DecodeError.Truncated, result.Error);
    }
}
