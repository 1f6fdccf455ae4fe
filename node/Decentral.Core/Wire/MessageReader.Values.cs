using MessagePack;

namespace Decentral.Wire;

/// <content>
/// Typed reads of single values: each checks the MessagePack type first (a mismatch is a
/// reason, not an exception) and range-checks where the protocol bounds the value.
/// </content>
internal ref partial struct MessageReader
{
    private bool ReadRound(string what, out long round) =>
        ReadRange(what, 0, _limits.MaxRound, DecodeError.InvalidRound, out round);

    private bool ReadMembershipIndex(out long index) =>
        ReadRange("membershipIndex", 0, _limits.MaxMembershipIndex, DecodeError.InvalidValue, out index);

    private bool ReadRange(string what, long min, long max, DecodeError error, out long value)
    {
        if (!ReadInt64(what, out value))
        {
            return false;
        }

        return (value >= min && value <= max) || Fail(error, $"{what}: {value} is outside [{min}, {max}]");
    }

    private bool ReadInt64(string what, out long value)
    {
        value = 0;
        if (!Expect(what, MessagePackType.Integer))
        {
            return false;
        }

        value = _reader.ReadInt64();
        return true;
    }

    private bool ReadUInt64(string what, out ulong value)
    {
        value = 0;
        if (!Expect(what, MessagePackType.Integer))
        {
            return false;
        }

        value = _reader.ReadUInt64();
        return true;
    }

    private bool ReadBoolean(string what, out bool value)
    {
        value = false;
        if (!Expect(what, MessagePackType.Boolean))
        {
            return false;
        }

        value = _reader.ReadBoolean();
        return true;
    }

    private bool ReadFields(string what, int expected)
    {
        if (!Expect(what, MessagePackType.Array))
        {
            return false;
        }

        var count = _reader.ReadArrayHeader();
        return count == expected || Fail(DecodeError.WrongFieldCount, $"{what}: {count} fields, expected {expected}");
    }

    private bool Expect(string what, MessagePackType type)
    {
        if (_reader.End)
        {
            return Fail(DecodeError.Truncated, $"{what}: input ends");
        }

        var next = _reader.NextMessagePackType;
        return next == type || Fail(DecodeError.Malformed, $"{what}: expected {type}, found {next}");
    }

    private bool Fail(DecodeError error, string detail)
    {
        Error = error;
        Detail = detail;
        return false;
    }
}
