using System.Buffers.Binary;
using System.Text;

namespace Decentral.Learning.Torch.Tests;

public sealed class ElfVersionNeedsTests
{
    private const int StringsOffset = 64;
    private const int NeedOffset = 128;
    private const int SectionsOffset = 256;

    [Fact]
    public void MarkWeak_StrongRequirement_SetsWeakFlagOnThatEntryOnly()
    {
        byte[] elf = BuildElf(out int targetFlags, out int otherFlags);

        var outcome = ElfVersionNeeds.MarkWeak(elf, "GLIBCXX_3.4.32");

        Assert.Equal(ElfVersionNeeds.Outcome.Patched, outcome);
        Assert.Equal(ElfVersionNeeds.WeakFlag, BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(targetFlags)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(otherFlags)));
    }

    [Fact]
    public void MarkWeak_Twice_SecondCallChangesNothing()
    {
        byte[] elf = BuildElf(out _, out _);
        ElfVersionNeeds.MarkWeak(elf, "GLIBCXX_3.4.32");
        byte[] once = (byte[])elf.Clone();

        var outcome = ElfVersionNeeds.MarkWeak(elf, "GLIBCXX_3.4.32");

        Assert.Equal(ElfVersionNeeds.Outcome.AlreadyWeak, outcome);
        Assert.Equal(once, elf);
    }

    [Fact]
    public void MarkWeak_VersionNotRequired_LeavesFileUnchanged()
    {
        byte[] elf = BuildElf(out _, out _);
        byte[] original = (byte[])elf.Clone();

        // A prefix of a required name must not match.
        var outcome = ElfVersionNeeds.MarkWeak(elf, "GLIBCXX_3.4.3");

        Assert.Equal(ElfVersionNeeds.Outcome.NotRequired, outcome);
        Assert.Equal(original, elf);
    }

    [Fact]
    public void MarkWeak_NotAnElf_ReportsIt()
    {
        byte[] junk = Encoding.ASCII.GetBytes(new string('x', 200));

        Assert.Equal(ElfVersionNeeds.Outcome.NotElf64, ElfVersionNeeds.MarkWeak(junk, "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void DefinesVersion_MatchesWholeNulTerminatedNamesOnly()
    {
        byte[] library = Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.29\0GLIBCXX_3.4.30\0GLIBCXX_3.4.300x\0");

        Assert.True(ElfVersionNeeds.DefinesVersion(library, "GLIBCXX_3.4.30"));
        Assert.False(ElfVersionNeeds.DefinesVersion(library, "GLIBCXX_3.4.3"));
        Assert.False(ElfVersionNeeds.DefinesVersion(library, "GLIBCXX_3.4.32"));
    }

    /// <summary>
    /// A minimal ELF64 little-endian file: null section, .dynstr, and a .gnu.version_r that
    /// needs GLIBCXX_3.4.30 and GLIBCXX_3.4.32 from libstdc++.so.6.
    /// </summary>
    private static byte[] BuildElf(out int targetFlagsAt, out int otherFlagsAt)
    {
        var elf = new byte[SectionsOffset + (3 * 64)];
        elf[0] = 0x7f;
        "ELF"u8.CopyTo(elf.AsSpan(1));
        elf[4] = 2;
        elf[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), SectionsOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), 3);

        const string strings = "\0libstdc++.so.6\0GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0";
        Encoding.ASCII.GetBytes(strings).CopyTo(elf, StringsOffset);

        var need = elf.AsSpan(NeedOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(need, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(need[2..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(need[4..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(need[8..], 16);
        WriteAux(need[16..], (uint)strings.IndexOf("GLIBCXX_3.4.30", StringComparison.Ordinal), next: 16);
        WriteAux(need[32..], (uint)strings.IndexOf("GLIBCXX_3.4.32", StringComparison.Ordinal), next: 0);
        otherFlagsAt = NeedOffset + 16 + 4;
        targetFlagsAt = NeedOffset + 32 + 4;

        WriteSection(elf.AsSpan(SectionsOffset + 64), type: 3, offset: StringsOffset, link: 0, info: 0);
        WriteSection(elf.AsSpan(SectionsOffset + 128), type: 0x6ffffffe, offset: NeedOffset, link: 1, info: 1);
        return elf;
    }

    private static void WriteAux(Span<byte> aux, uint name, uint next)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(aux[8..], name);
        BinaryPrimitives.WriteUInt32LittleEndian(aux[12..], next);
    }

    private static void WriteSection(Span<byte> header, uint type, ulong offset, uint link, uint info)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], link);
        BinaryPrimitives.WriteUInt32LittleEndian(header[44..], info);
    }
}
