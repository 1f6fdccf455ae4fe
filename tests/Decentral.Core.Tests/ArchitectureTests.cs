using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Decentral.Protocol;

namespace Decentral.Core.Tests;

/// <summary>The protocol core runs in the node and the simulator alike: no hosting, sockets or TorchSharp in it.</summary>
public sealed class ArchitectureTests
{
    private static readonly string[] ForbiddenAssemblies = ["System.Net.Sockets", "Microsoft.Extensions.Hosting", "TorchSharp", "Microsoft.AspNetCore"];
    private static readonly string[] ForbiddenNamespaces = ["System.Net.Sockets", "Microsoft.Extensions.Hosting", "TorchSharp", "Microsoft.AspNetCore"];

    private static Assembly Core => typeof(ModestNode).Assembly;

    [Fact]
    public void CoreAssembly_DirectReferences_IncludeNoHostingSocketsOrTorch()
    {
        var names = Core.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.Contains("System.Runtime", names);
        Assert.Empty(Forbidden(names, ForbiddenAssemblies));
    }

    [Fact]
    public void CoreAssembly_TypesUsedAnywhere_ComeFromNoHostingSocketsOrTorchNamespace()
    {
        var namespaces = ReferencedNamespaces(Core);

        Assert.Contains("System.Security.Cryptography", namespaces);
        Assert.Empty(Forbidden(namespaces, ForbiddenNamespaces));
    }

    [Fact]
    public void CoreAssembly_PackageDependencies_ReferenceNoHostingSocketsOrTorch()
    {
        // Third-party packages the core uses (NSec, SimpleBase, MessagePack): the same rule, one level down.
        var packages = Core.GetReferencedAssemblies()
            .Where(a => a.Name is { } n && !n.StartsWith("System", StringComparison.Ordinal) && !n.StartsWith("Microsoft", StringComparison.Ordinal) && n != "netstandard" && n != "mscorlib")
            .Select(Assembly.Load)
            .ToList();

        Assert.NotEmpty(packages);
        Assert.All(packages, p => Assert.Empty(Forbidden(p.GetReferencedAssemblies().Select(a => a.Name ?? ""), ForbiddenAssemblies)));
    }

    [Fact]
    public void Checks_AssemblyThatUsesSockets_AreDetected()
    {
        // The checks above must be able to fail: System.Net.Http uses sockets.
        var http = typeof(HttpClient).Assembly;

        Assert.NotEmpty(Forbidden(http.GetReferencedAssemblies().Select(a => a.Name ?? ""), ForbiddenAssemblies));
        Assert.NotEmpty(Forbidden(ReferencedNamespaces(http), ForbiddenNamespaces));
    }

    private static List<string> Forbidden(IEnumerable<string> names, string[] prefixes) =>
        [.. names.Where(n => prefixes.Any(p => n == p || n.StartsWith(p + ".", StringComparison.Ordinal)))];

    // Namespaces of every type the assembly's metadata refers to (signatures and method bodies alike).
    private static HashSet<string> ReferencedNamespaces(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeReferences)
        {
            var type = reader.GetTypeReference(handle);
            result.Add(reader.GetString(type.Namespace));
        }

        return result;
    }
}
