using Decentral.Identity;
using Decentral.Learning;
using Decentral.Membership;
using Decentral.Node.Runtime.State;
using Decentral.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Decentral.Node.Runtime.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "decentral-checkpoint-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly WireCodec _codec = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public CheckpointTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void SaveThenLoad_ModelViewFoundersAndCounters_ComeBackEqual()
    {
        var store = new CheckpointStore(_folder, _codec, _time, NullLogger.Instance);
        var saved = Sample(out var self);

        Assert.True(store.Save(saved));
        var loaded = store.Load(self, "s1");

        Assert.NotNull(loaded);
        Assert.Equal(saved.MembershipIndex, loaded.MembershipIndex);
        Assert.Equal(saved.RoundEstimate, loaded.RoundEstimate);
        Assert.Equal(saved.ModelRound, loaded.ModelRound);
        Assert.Equal(saved.Model!.Parameters, loaded.Model!.Parameters);
        Assert.Equal(saved.View, loaded.View);
        Assert.Equal(saved.Founders, loaded.Founders);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(-5)]
    public void FlippedByte_Anywhere_LoggedMovedAsideNotLoaded(int at)
    {
        var store = new CheckpointStore(_folder, _codec, _time, NullLogger.Instance);
        var saved = Sample(out var self);
        store.Save(saved);
        var bytes = File.ReadAllBytes(store.Path);
        bytes[at >= 0 ? at : bytes.Length + at] ^= 0x40;
        File.WriteAllBytes(store.Path, bytes);

        Assert.Null(store.Load(self, "s1"));
        Assert.False(File.Exists(store.Path));
        Assert.Single(Directory.GetFiles(_folder, "checkpoint.corrupt-*.bin"));
    }

    [Fact]
    public void CheckpointOfAnotherSession_IsNotLoaded()
    {
        var store = new CheckpointStore(_folder, _codec, _time, NullLogger.Instance);
        store.Save(Sample(out var self));

        Assert.Null(store.Load(self, "another-session"));
    }

    [Fact]
    public void SaveThenLoad_WithAReference_ComesBackApartFromTheModel()
    {
        var store = new CheckpointStore(_folder, _codec, _time, NullLogger.Instance);
        var reference = new ModelVector("softmax-regression/d4/c2", [.. Enumerable.Range(0, 10).Select(i => i * 0.25f)], samplesTrained: 30);
        var saved = Sample(out var self) with { Reference = reference };

        Assert.True(store.Save(saved));
        var loaded = store.Load(self, "s1");

        Assert.NotNull(loaded);
        Assert.Equal(reference.Parameters, loaded.Reference!.Parameters);
        Assert.Equal(reference.LayoutId, loaded.Reference.LayoutId);
        Assert.Equal(saved.Model!.Parameters, loaded.Model!.Parameters);
    }

    [Fact]
    public void Version2File_WrittenBeforeTheReference_StillLoadsWithoutOne()
    {
        var saved = Sample(out var self);
        var current = saved.Encode(_codec);
        Assert.True(Checkpoint.TryDecode(current, _codec, out var decoded, out _));
        Assert.Null(decoded.Reference);

        // The version 2 layout: the same fields without the trailing reference, version 2, 10 fields.
        var reader = new MessagePack.MessagePackReader(current.AsMemory(0, current.Length - 4));
        Assert.Equal(11, reader.ReadArrayHeader());
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePack.MessagePackWriter(output);
        writer.WriteArrayHeader(10);
        writer.Write(reader.ReadString());
        reader.ReadInt32();
        writer.Write(2);
        for (var field = 0; field < 8; field++)
        {
            writer.WriteRaw(reader.ReadRaw());
        }

        writer.Flush();
        var crc = System.IO.Hashing.Crc32.HashToUInt32(output.WrittenSpan);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), crc);
        output.Advance(4);

        Assert.True(Checkpoint.TryDecode(output.WrittenMemory, _codec, out var old, out var reason), reason);
        Assert.Null(old.Reference);
        Assert.Equal(saved.Model!.Parameters, old.Model!.Parameters);
        Assert.Equal(saved.View, old.View);
        Assert.Equal(saved.Founders, old.Founders);
    }

    private static Checkpoint Sample(out PeerId self)
    {
        var seed = new byte[32];
        seed[0] = 7;
        using var identity = PeerIdentity.FromSeed(seed);
        self = identity.PeerId;
        seed[0] = 8;
        using var other = PeerIdentity.FromSeed(seed);
        var model = new ModelVector("softmax-regression/d4/c2", [1f, -2f, 0.5f, 3f, 0f, 1f, 2f, 3f, 4f, 5f], samplesTrained: 40);
        PeerRecord[] view = [new(self, 12, 3, MembershipStatus.Join), new(other.PeerId, 11, 1, MembershipStatus.Leave)];
        return new Checkpoint(self, "s1", DateTimeOffset.UnixEpoch.AddDays(20_000), 3, 12, 12, model, view) { Founders = [other.PeerId, self] };
    }
}
