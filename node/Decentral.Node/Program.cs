using System.CommandLine;
using Decentral.Cli;
using Decentral.Learning.Torch;
using Decentral.Node.P2p;
using Decentral.Node.Run;

// The verbs, one line each; a verb's Command is built by a factory in the verb's own folder.
// Parsing, help, errors and exit codes follow the shared conventions of CommandLineRunner.
TorchLearning.Register();
var root = new RootCommand("decentral-node: a Decentral peer.")
{
    RunVerb.Create(),
    P2pVerb.Create(Console.In, TimeProvider.System),
};
// Ctrl+C and SIGTERM cancel the verb, whatever it is doing (a node then leaves gracefully: LEAVE
// advert, last checkpoint, within node:shutdownTimeout); they never end the process abruptly.
return await CommandLineRunner.InvokeUntilSignalledAsync(root, args);
