using System.Diagnostics;
using System.Globalization;

namespace Decentral.Soak.Faults;

/// <summary>
/// Network faults between node processes on loopback, by iptables rules in a chain of their own
/// (hooked into OUTPUT) that match only packets of processes running under the fault run's group
/// ids (iptables' owner match), to and from the run's ports: nothing else on the machine is
/// touched. The kernel here has no netem (CONFIG_NET_SCH_NETEM is not set), so delay cannot be
/// added; random packet loss (the statistic match) makes TCP retransmit, which delays messages.
/// </summary>
internal sealed class Firewall : IDisposable
{
    private const string Chain = "DECENTRAL_FAULTS";
    private bool _hooked;

    private Firewall()
    {
    }

    /// <summary>The chain, created empty and hooked into OUTPUT; or the reason it cannot be (not root, no iptables).</summary>
    public static (Firewall? Firewall, string? Problem) Create()
    {
        if (Environment.UserName != "root")
        {
            return (null, "network faults need root (iptables rules)");
        }

        if (Run("-V") is { Ok: false } missing)
        {
            return (null, $"iptables is not usable ({missing.Output.Trim()}); on Debian: apt-get install iptables");
        }

        var firewall = new Firewall();
        Run("-N", Chain);
        if (Run("-F", Chain) is { Ok: false } flush)
        {
            return (null, $"iptables -F {Chain} failed: {flush.Output.Trim()}");
        }

        if (Run("-C", "OUTPUT", "-j", Chain) is { Ok: false } && Run("-I", "OUTPUT", "-j", Chain) is { Ok: false } hook)
        {
            firewall.Dispose();
            return (null, $"iptables -I OUTPUT failed: {hook.Output.Trim()}");
        }

        firewall._hooked = true;
        return (firewall, null);
    }

    /// <summary>Drops every packet a process of group <paramref name="gidA"/> sends to the listening ports <paramref name="portsB"/>, and every one of group <paramref name="gidB"/> to <paramref name="portsA"/>.</summary>
    public void Partition(int gidA, IReadOnlyList<int> portsA, int gidB, IReadOnlyList<int> portsB)
    {
        Require(Run("-A", Chain, "-p", "tcp", "-m", "owner", "--gid-owner", Text(gidA), "-m", "multiport", "--dports", Ports(portsB), "-j", "DROP"));
        Require(Run("-A", Chain, "-p", "tcp", "-m", "owner", "--gid-owner", Text(gidB), "-m", "multiport", "--dports", Ports(portsA), "-j", "DROP"));
    }

    /// <summary>Drops each packet between the run's processes (group ids <paramref name="gids"/>, ports <paramref name="ports"/> either way) with probability <paramref name="probability"/>.</summary>
    public void Loss(string gids, string ports, double probability)
    {
        var p = probability.ToString("0.####", CultureInfo.InvariantCulture);
        Require(Run("-A", Chain, "-p", "tcp", "-m", "owner", "--gid-owner", gids, "--dport", ports, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP"));
        Require(Run("-A", Chain, "-p", "tcp", "-m", "owner", "--gid-owner", gids, "--sport", ports, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP"));
    }

    /// <summary>No faults.</summary>
    public void Clear() => Require(Run("-F", Chain));

    /// <summary>Removes the chain and its hook.</summary>
    public void Dispose()
    {
        Run("-F", Chain);
        if (_hooked)
        {
            Run("-D", "OUTPUT", "-j", Chain);
            _hooked = false;
        }

        Run("-X", Chain);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ports(IReadOnlyList<int> ports) => string.Join(',', ports.Select(Text));

    // A rule that does not go in leaves the run measuring nothing: that is a failure of the run.
    private static void Require((bool Ok, string Output) result)
    {
        if (!result.Ok)
        {
            throw new InvalidOperationException($"iptables failed: {result.Output.Trim()}");
        }
    }

    private static (bool Ok, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo("iptables") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode == 0, output.Result + error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, e.Message);
        }
    }
}
