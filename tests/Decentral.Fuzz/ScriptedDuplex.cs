namespace Decentral.Fuzz;

/// <summary>
/// The remote end of a connection, played from a fuzz input: reads return the input in chunks
/// whose sizes cycle through three lengths set by <c>chunkSeed</c> (decoders must not assume one
/// message per read), then end of stream; writes are counted and dropped.
/// </summary>
internal sealed class ScriptedDuplex(byte[] input, byte chunkSeed) : HarnessStream
{
    private readonly int[] _chunks = [1 + (chunkSeed % 7), 1 + (chunkSeed % 251), 4096];
    private int _position;
    private int _reads;

    public long Written { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, input.Length - _position), _chunks[_reads++ % _chunks.Length]);
        input.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;
}
