using System.CommandLine;
using Decentral.Cli;
using Decentral.Soak.Verbs;

// decentral-soak: hostile-network runs against the built decentral-node (scripts/soak.sh,
// scripts/bench-flood.sh). One verb per file in Verbs/.
var root = new RootCommand("decentral-soak: soaks, floods and network faults against decentral-node processes on loopback.")
{
    SoakVerb.Create(),
    FloodVerb.Create(),
    FaultsVerb.Create(),
};
// Ctrl+C and SIGTERM stop a soak cleanly: its node processes get SIGTERM (a graceful leave).
return await CommandLineRunner.InvokeUntilSignalledAsync(root, args);
