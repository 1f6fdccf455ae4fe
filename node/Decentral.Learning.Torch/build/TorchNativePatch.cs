// Compiled twice: by MSBuild's RoslynCodeTaskFactory into the PatchTorchNative build task
// (see Decentral.Learning.Torch.targets), and into the test project (with DECENTRAL_TESTS
// defined) so the ELF editing is unit-tested on generated files. It therefore uses only the
// netstandard2.0 base class library (the task compiler's reference set) plus, for the task class, Microsoft.Build.Utilities.
#nullable enable
using System;
using System.IO;
using System.Text;

/// <summary>
/// Edits the GNU symbol-version requirements (.gnu.version_r) of an ELF64 little-endian shared
/// library. libLibTorchSharp.so (TorchSharp 0.107) requires GLIBCXX_3.4.32 only for
/// std::ios_base_library_init, a link-time marker nothing calls, so marking that one requirement
/// weak lets the library load on systems whose libstdc++ stops at an older version (Debian 12).
/// </summary>
public static class ElfVersionNeeds
{
    /// <summary>VER_FLG_WEAK in vna_flags: a missing version is not an error for the loader.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>What <see cref="MarkWeak"/> found.</summary>
    public enum Outcome
    {
        /// <summary>The requirement was strong and is now weak.</summary>
        Patched,
        /// <summary>The requirement was already weak; nothing changed.</summary>
        AlreadyWeak,
        /// <summary>The file does not require that version; nothing changed.</summary>
        NotRequired,
        /// <summary>Not an ELF64 little-endian file, or its tables are out of bounds.</summary>
        NotElf64,
    }

    /// <summary>Marks every requirement of version <paramref name="versionName"/> weak, in place.</summary>
    public static Outcome MarkWeak(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || elf[5] != 1)
        {
            return Outcome.NotElf64;
        }

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        if (shoff <= 0 || shentsize < 64 || shoff + ((long)shnum * shentsize) > elf.Length)
        {
            return Outcome.NotElf64;
        }

        byte[] wanted = Encoding.ASCII.GetBytes(versionName);
        bool found = false;
        bool changed = false;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)(shoff + ((long)s * shentsize)));
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            int link = (int)BitConverter.ToUInt32(elf, sh + 40);
            if (link >= shnum)
            {
                return Outcome.NotElf64;
            }

            long strOffset = (long)BitConverter.ToUInt64(elf, checked((int)(shoff + ((long)link * shentsize))) + 24);
            long offset = (long)BitConverter.ToUInt64(elf, sh + 24);
            int needCount = (int)BitConverter.ToUInt32(elf, sh + 44);
            long need = offset;
            for (int n = 0; n < needCount; n++)
            {
                if (need + 16 > elf.Length)
                {
                    return Outcome.NotElf64;
                }

                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    if (aux + 16 > elf.Length)
                    {
                        return Outcome.NotElf64;
                    }

                    long name = strOffset + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (NameEquals(elf, name, wanted))
                    {
                        found = true;
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & WeakFlag) == 0)
                        {
                            flags |= WeakFlag;
                            elf[aux + 4] = (byte)flags;
                            elf[aux + 5] = (byte)(flags >> 8);
                            changed = true;
                        }
                    }

                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }

                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }
        }

        return changed ? Outcome.Patched : found ? Outcome.AlreadyWeak : Outcome.NotRequired;
    }

    /// <summary>
    /// True when <paramref name="library"/> (a libstdc++ binary) defines <paramref name="versionName"/>.
    /// Version names are NUL-terminated strings in its dynamic string table, so an exact
    /// NUL-delimited match is enough and needs no section parsing.
    /// </summary>
    public static bool DefinesVersion(byte[] library, string versionName)
    {
        byte[] wanted = Encoding.ASCII.GetBytes(versionName);
        for (int i = 1; i + wanted.Length < library.Length; i++)
        {
            if (library[i - 1] == 0 && library[i + wanted.Length] == 0 && NameEquals(library, i, wanted))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NameEquals(byte[] data, long at, byte[] wanted)
    {
        if (at < 0 || at + wanted.Length >= data.Length)
        {
            return false;
        }

        for (int i = 0; i < wanted.Length; i++)
        {
            if (data[at + i] != wanted[i])
            {
                return false;
            }
        }

        return data[at + wanted.Length] == 0;
    }
}

#if !DECENTRAL_TESTS
/// <summary>
/// Copies libLibTorchSharp.so to <see cref="Destination"/>, marking its GLIBCXX_3.4.32
/// requirement weak when none of the system's libstdc++ copies define that version.
/// </summary>
public sealed class PatchTorchNative : Microsoft.Build.Utilities.Task
{
    /// <summary>The library as shipped in the TorchSharp package.</summary>
    [Microsoft.Build.Framework.Required]
    public string Source { get; set; } = "";

    /// <summary>Where the (possibly patched) copy goes.</summary>
    [Microsoft.Build.Framework.Required]
    public string Destination { get; set; } = "";

    /// <summary>libstdc++ paths to inspect; the first that exists decides.</summary>
    public string[] LibStdCxxCandidates { get; set; } = Array.Empty<string>();

    /// <summary>The version to make optional.</summary>
    public string VersionName { get; set; } = "GLIBCXX_3.4.32";

    /// <inheritdoc />
    public override bool Execute()
    {
        byte[] elf = File.ReadAllBytes(Source);
        string? libstdcxx = Array.Find(LibStdCxxCandidates, File.Exists);
        bool systemHasIt = libstdcxx != null && ElfVersionNeeds.DefinesVersion(File.ReadAllBytes(libstdcxx), VersionName);
        string what = "copied unchanged (" + libstdcxx + " defines " + VersionName + ")";
        if (!systemHasIt)
        {
            ElfVersionNeeds.Outcome outcome = ElfVersionNeeds.MarkWeak(elf, VersionName);
            if (outcome == ElfVersionNeeds.Outcome.NotElf64)
            {
                Log.LogError("PatchTorchNative: {0} is not an ELF64 little-endian library.", Source);
                return false;
            }

            what = outcome + " (" + (libstdcxx ?? "no libstdc++ found") + " lacks " + VersionName + ")";
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
        string temp = Destination + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, elf);
        // Replace rather than overwrite in place: a process may have the old copy mapped.
        if (File.Exists(Destination))
        {
            File.Delete(Destination);
        }

        File.Move(temp, Destination);
        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "PatchTorchNative: {0} -> {1}: {2}", Source, Destination, what);
        return true;
    }
}
#endif
