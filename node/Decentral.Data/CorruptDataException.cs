namespace Decentral.Data;

/// <summary>
/// Raised inside the parsers when the bytes break the format; never escapes the library: the
/// public loaders turn it into a <see cref="DataErrorKind.Corrupt"/> <see cref="DataError"/>.
/// Parsers throw rather than return results because a format violation can be found many
/// calls deep in a recursive decoder, and unwinding by hand would bury the decoding logic.
/// </summary>
internal sealed class CorruptDataException(string message) : Exception(message);
