using System.Globalization;
using System.Runtime.CompilerServices;
using Decentral.Cli;
using Decentral.Learning.Torch;
using Decentral.Simulator.Cli.Verbs;

[assembly: InternalsVisibleTo("Decentral.Simulator.Cli.Tests")]

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
TorchLearning.Register();
return await CommandLineRunner.InvokeAsync(SimulatorCommandLine.Create(), args);
