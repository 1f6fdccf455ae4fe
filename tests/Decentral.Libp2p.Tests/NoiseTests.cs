using Decentral.Identity;
using Decentral.Libp2p.Noise;
using Decentral.Libp2p.Tests.Kit;

namespace Decentral.Libp2p.Tests;

public sealed class NoiseTests
{
    private static PeerIdentity Identity(byte seed) => PeerIdentity.FromSeed(Enumerable.Repeat(seed, 32).ToArray());

    [Fact]
    public async Task Handshake_BothSides_AuthenticateAndCarryLargeWritesInFrames()
    {
        await using var pair = await SocketPair.CreateAsync();
        using var a = Identity(1);
        using var b = Identity(2);
        var responder = NoiseHandshake.RunAsync(pair.Server, b, false, ["/yamux/1.0.0"], null, Bounded.Token());
        var initiator = await NoiseHandshake.RunAsync(pair.Client, a, true, ["/yamux/1.0.0"], b.PeerId, Bounded.Token()).Within();
        var responded = await responder.Within();

        Assert.Equal(NoiseStatus.Ok, initiator.Status);
        Assert.Equal(NoiseStatus.Ok, responded.Status);
        Assert.Equal(b.PeerId, initiator.RemotePeer);
        Assert.Equal(a.PeerId, responded.RemotePeer);
        Assert.Equal("/yamux/1.0.0", initiator.EarlyMuxer);
        Assert.Equal("/yamux/1.0.0", responded.EarlyMuxer);

        // Larger than one frame: must be split at 65519 plaintext bytes and reassembled.
        var data = new byte[200_000];
        new Random(3).NextBytes(data);
        var write = initiator.Stream!.WriteAsync(data).AsTask();
        var received = new byte[data.Length];
        await responded.Stream!.ReadExactlyAsync(received).AsTask().Within();
        await write.Within();
        Assert.Equal(data, received);
        await initiator.Stream.DisposeAsync();
        await responded.Stream.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_NoMuxersOffered_LeavesMuxerToMultistream()
    {
        await using var pair = await SocketPair.CreateAsync();
        using var a = Identity(1);
        using var b = Identity(2);
        var responder = NoiseHandshake.RunAsync(pair.Server, b, false, ["/yamux/1.0.0"], null, Bounded.Token());
        var initiator = await NoiseHandshake.RunAsync(pair.Client, a, true, [], null, Bounded.Token()).Within();

        // The initiator offered none, so the responder (which did offer) skips like js would.
        Assert.Null(initiator.EarlyMuxer);
        Assert.Equal("/yamux/1.0.0", (await responder.Within()).EarlyMuxer);
    }

    [Fact]
    public async Task Handshake_ExpectedPeerDiffers_IsPeerIdMismatch()
    {
        await using var pair = await SocketPair.CreateAsync();
        using var a = Identity(1);
        using var b = Identity(2);
        using var c = Identity(3);
        _ = NoiseHandshake.RunAsync(pair.Server, b, false, [], null, Bounded.Token());
        var initiator = await NoiseHandshake.RunAsync(pair.Client, a, true, [], c.PeerId, Bounded.Token()).Within();

        Assert.Equal(NoiseStatus.PeerIdMismatch, initiator.Status);
        Assert.Null(initiator.Stream);
    }

    [Fact]
    public async Task Handshake_WrongIdentitySignature_IsRejected()
    {
        await using var pair = await SocketPair.CreateAsync();
        using var a = Identity(1);
        using var b = Identity(2);
        var responder = NoiseHandshake.RunAsync(pair.Server, b, false, [], null, Bounded.Token());
        await EvilNoise.InitiateWithWrongSignatureAsync(pair.Client, a).Within();

        var result = await responder.Within();
        Assert.Equal(NoiseStatus.BadSignature, result.Status);
        Assert.Contains("does not verify", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_GarbageMessage2_IsDecryptFailure()
    {
        await using var pair = await SocketPair.CreateAsync();
        using var a = Identity(1);
        var initiator = NoiseHandshake.RunAsync(pair.Client, a, true, [], null, Bounded.Token());
        var message1 = new byte[34];
        await pair.Server.ReadExactlyAsync(message1);
        var garbage = new byte[2 + 200];
        garbage[1] = 200;
        new Random(1).NextBytes(garbage.AsSpan(2));
        await pair.Server.WriteAsync(garbage);

        var result = await initiator.Within();
        Assert.True(result.Status is NoiseStatus.DecryptFailed or NoiseStatus.ProtocolError, result.Reason);
    }

    [Fact]
    public async Task Handshake_ConnectionEndsEarly_IsEndOfStream()
    {
        await using var pair = await SocketPair.CreateAsync();
        using var a = Identity(1);
        var initiator = NoiseHandshake.RunAsync(pair.Client, a, true, [], null, Bounded.Token());
        pair.Server.Close();
        Assert.Equal(NoiseStatus.EndOfStream, (await initiator.Within()).Status);
    }

    [Fact]
    public async Task SecureStream_TamperedFrame_FailsWithBadTag()
    {
        await using var pair = await SocketPair.CreateAsync();
        var secure = await ResponderAfterHandshakeAsync(pair);

        // A frame of 20 bytes (4 plaintext + a tag) that was not produced with the session key.
        var frame = new byte[22];
        frame[1] = 20;
        await pair.Client.WriteAsync(frame);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => secure.ReadAsync(new byte[16]).AsTask().Within());
        Assert.Contains("AEAD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecureStream_FrameShorterThanTag_IsRejected()
    {
        await using var pair = await SocketPair.CreateAsync();
        var secure = await ResponderAfterHandshakeAsync(pair);

        await pair.Client.WriteAsync(new byte[] { 0x00, 0x05, 1, 2, 3, 4, 5 });
        await Assert.ThrowsAsync<InvalidDataException>(() => secure.ReadAsync(new byte[16]).AsTask().Within());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(65_537)]
    [InlineData(int.MaxValue)]
    public async Task SecureStream_AnyTransportChunking_YieldsTheWrittenBytes(int transportChunk)
    {
        // Writes of awkward sizes (an empty frame, one byte, exactly a frame, a frame and a byte,
        // several batches) read back through a transport that delivers transportChunk bytes per read.
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var wire = new MemoryStream();
        var writer = new NoiseSecureStream(wire, new CipherState(key), new CipherState(key));
        var sizes = new[] { 1, NoiseSecureStream.MaxPlaintext, NoiseSecureStream.MaxPlaintext + 1, 5 * NoiseSecureStream.MaxPlaintext + 3, 12 };
        var data = new byte[sizes.Sum()];
        new Random(4).NextBytes(data);
        var offset = 0;
        foreach (var size in sizes)
        {
            await writer.WriteAsync(data.AsMemory(offset, size));
            offset += size;
        }

        var bytes = wire.ToArray();
        var framed = InsertEmptyFrame(bytes, key, afterFrames: 1);
        var reader = new NoiseSecureStream(new ChunkedReadStream(framed, transportChunk), new CipherState(key), new CipherState(key));
        var received = new byte[data.Length];
        await reader.ReadExactlyAsync(received).AsTask().Within();
        Assert.Equal(data, received);
        Assert.Equal(0, await reader.ReadAsync(new byte[1]).AsTask().Within());
    }

    [Theory]
    [InlineData(12, 200_000)]
    [InlineData(70_000, 5)]
    [InlineData(3, 0)]
    [InlineData(0, 65_519)]
    public async Task SecureStream_HeadAndBodyWrite_ReadsAsOneSequence(int headLength, int bodyLength)
    {
        var key = new byte[32];
        var wire = new MemoryStream();
        var writer = new NoiseSecureStream(wire, new CipherState(key), new CipherState(key));
        var data = new byte[headLength + bodyLength];
        new Random(headLength + bodyLength).NextBytes(data);

        await writer.WriteAsync(data.AsMemory(0, headLength), data.AsMemory(headLength));

        var reader = new NoiseSecureStream(new ChunkedReadStream(wire.ToArray(), 1000), new CipherState(key), new CipherState(key));
        var received = new byte[data.Length];
        await reader.ReadExactlyAsync(received).AsTask().Within();
        Assert.Equal(data, received);
        Assert.Equal(0, await reader.ReadAsync(new byte[1]).AsTask().Within());
    }

    [Fact]
    public async Task SecureStream_TransportEndsInsideAFrame_IsTruncated()
    {
        var key = new byte[32];
        var wire = new MemoryStream();
        var writer = new NoiseSecureStream(wire, new CipherState(key), new CipherState(key));
        await writer.WriteAsync(new byte[100_000]);
        var bytes = wire.ToArray();
        var reader = new NoiseSecureStream(new ChunkedReadStream(bytes[..^10], 4096), new CipherState(key), new CipherState(key));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReadExactlyAsync(new byte[100_000]).AsTask().Within());
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Re-encrypts <paramref name="bytes"/> (frames from a fresh key) with an empty frame after the first frames.</summary>
    private static byte[] InsertEmptyFrame(byte[] bytes, byte[] key, int afterFrames)
    {
        using var decrypt = new CipherState(key);
        using var encrypt = new CipherState(key);
        var output = new MemoryStream();
        var position = 0;
        var frames = 0;
        while (position < bytes.Length)
        {
            if (frames == afterFrames)
            {
                var empty = new byte[CipherState.TagLength];
                encrypt.Encrypt([], [], empty);
                output.Write([0, CipherState.TagLength]);
                output.Write(empty);
            }

            var length = (bytes[position] << 8) | bytes[position + 1];
            var plain = new byte[length - CipherState.TagLength];
            Assert.True(decrypt.TryDecrypt([], bytes.AsSpan(position + 2, length), plain));
            var cipher = new byte[length];
            encrypt.Encrypt([], plain, cipher);
            output.Write(bytes.AsSpan(position, 2));
            output.Write(cipher);
            position += 2 + length;
            frames++;
        }

        return output.ToArray();
    }

    /// <summary>A read-only stream over bytes that returns at most a given number of bytes per read.</summary>
    private sealed class ChunkedReadStream(byte[] bytes, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Runs a good handshake and returns the responder's secure stream (the client side stays raw).</summary>
    private static async Task<NoiseSecureStream> ResponderAfterHandshakeAsync(SocketPair pair)
    {
        using var a = Identity(1);
        using var b = Identity(2);
        var responder = NoiseHandshake.RunAsync(pair.Server, b, false, [], null, Bounded.Token());
        _ = await NoiseHandshake.RunAsync(pair.Client, a, true, [], null, Bounded.Token()).Within();
        return (await responder.Within()).Stream!;
    }

    [Fact]
    public void CipherState_NonceIncrementsAndNeverWraps()
    {
        var key = new byte[32];
        using var sender = new CipherState(key);
        using var receiver = new CipherState(key);
        var ciphertext = new byte[3 + CipherState.TagLength];
        sender.Encrypt([], "abc"u8, ciphertext);
        Assert.Equal(1ul, sender.Nonce);
        var plain = new byte[3];
        Assert.True(receiver.TryDecrypt([], ciphertext, plain));
        Assert.False(receiver.TryDecrypt([], ciphertext, plain)); // replay: nonce 1 no longer matches

        using var exhausted = new CipherState(key, ulong.MaxValue);
        Assert.Throws<InvalidOperationException>(() => exhausted.Encrypt([], "abc"u8, ciphertext));
    }
}
