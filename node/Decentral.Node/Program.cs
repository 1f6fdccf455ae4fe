using System.CommandLine;
using Decentral.Cli;
using Decentral.Node.P2p;

// The verbs, one line each; a verb's Command is built by a factory in the verb's own folder.
// Parsing, help, errors and exit codes follow the shared conventions of CommandLineRunner.
var root = new RootCommand("decentral-node: a Decentral peer.")
{
    P2pVerb.Create(Console.In, TimeProvider.System),
};
return await CommandLineRunner.InvokeAsync(root, args);
