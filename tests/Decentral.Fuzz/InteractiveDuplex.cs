namespace Decentral.Fuzz;

/// <summary>
/// The remote end of a conversation played by the harness in the same thread: when the decoder
/// has read everything queued, <c>reply</c> sees all it has written so far and may queue more
/// (or nothing, which ends the stream). No second thread, no waiting.
/// </summary>
internal sealed class InteractiveDuplex(byte[] first, Func<byte[], byte[]?> reply) : HarnessStream
{
    private readonly MemoryStream _written = new();
    private byte[] _pending = first;
    private int _position;

    public override int Read(Span<byte> buffer)
    {
        if (_position == _pending.Length)
        {
            _pending = reply(_written.ToArray()) ?? [];
            _position = 0;
        }

        var n = Math.Min(buffer.Length, _pending.Length - _position);
        _pending.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Write(ReadOnlySpan<byte> buffer) => _written.Write(buffer);
}
