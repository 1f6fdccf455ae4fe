using System.Reflection;
using Decentral.Node.Run;
using Decentral.Node.Runtime.Runtime;
using Microsoft.Extensions.Configuration;

namespace Decentral.Node.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void Defaults_ConfigsNodeJson_EqualTheOptionsClassesDefaults()
    {
        var embedded = new ConfigurationBuilder().AddJsonStream(NodeConfiguration.Defaults()).Build();
        var bound = NodeConfiguration.Bind(embedded);
        var fresh = new NodeRuntimeOptions();

        foreach (var (section, type) in NodeConfiguration.Sections)
        {
            var keys = embedded.GetSection(section).GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var sectionProperty = typeof(NodeRuntimeOptions).GetProperties().Single(p => p.PropertyType == type);
            AssertSameValues(section, type, sectionProperty.GetValue(bound)!, sectionProperty.GetValue(fresh)!, keys);
        }
    }

    [Fact]
    public void Layers_FileThenEnvironmentThenCommandLine_LaterWins()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, """{ "node": { "session": "from-file", "slot": 3 }, "protocol": { "sampleSize": 4 } }""");
        Environment.SetEnvironmentVariable("DECENTRAL_NODE__SESSION", "from-env");
        Environment.SetEnvironmentVariable("DECENTRAL_PROTOCOL__AGGREGATORS", "2");
        try
        {
            var builder = new ConfigurationBuilder();
            NodeConfiguration.AddLayers(builder, file, new Dictionary<string, string?> { ["node:session"] = "from-command-line" });
            var options = NodeConfiguration.Bind(builder.Build());

            Assert.Equal("from-command-line", options.Node.Session);
            Assert.Equal(3, options.Node.Slot);
            Assert.Equal(4, options.Protocol.SampleSize);
            Assert.Equal(2, options.Protocol.Aggregators);
            Assert.Equal(TimeSpan.FromMinutes(5), options.Protocol.AggregationTimeout);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DECENTRAL_NODE__SESSION", null);
            Environment.SetEnvironmentVariable("DECENTRAL_PROTOCOL__AGGREGATORS", null);
            File.Delete(file);
        }
    }

    [Fact]
    public void Problems_TyposAtEveryLevel_EachNamedWithTheNearestSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["protocl:sampleSize"] = "4",
            ["protocol:sampleSise"] = "4",
            ["learning:partition:indx"] = "1",
            ["node:session"] = "fine",
            ["DATA"] = "/data",
        }).Build();

        var problems = NodeConfiguration.Problems(configuration);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("'protocl'", StringComparison.Ordinal) && p.Contains("did you mean protocol?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'protocol:sampleSise'", StringComparison.Ordinal) && p.Contains("did you mean sampleSize?", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'learning:partition:indx'", StringComparison.Ordinal) && p.Contains("did you mean index?", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultsPlusShippedLocalConfig_AreValid()
    {
        var builder = new ConfigurationBuilder();
        NodeConfiguration.AddLayers(builder, Path.Combine(Kit.NodeProcess.Repository, "configs", "node-local.json"), new Dictionary<string, string?>());
        var configuration = builder.Build();

        Assert.Empty(NodeConfiguration.Problems(configuration));
        Assert.Empty(NodeConfiguration.Bind(configuration).Validate());
    }

    private static void AssertSameValues(string path, Type type, object bound, object fresh, HashSet<string> documented)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{path}:{char.ToLowerInvariant(property.Name[0])}{property.Name[1..]}";
            Assert.True(documented.Contains(property.Name), $"{key} is not documented in configs/node.json");
            var a = property.GetValue(bound);
            var b = property.GetValue(fresh);
            if (a is not null && b is not null && property.PropertyType.IsClass && property.PropertyType != typeof(string) && !property.PropertyType.IsGenericType)
            {
                var nested = new ConfigurationBuilder().AddJsonStream(NodeConfiguration.Defaults()).Build().GetSection(key);
                AssertSameValues(key, property.PropertyType, a, b, nested.GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase));
                continue;
            }

            if (a is System.Collections.IEnumerable ea && a is not string)
            {
                Assert.Equal(((System.Collections.IEnumerable)b!).Cast<object>(), ea.Cast<object>());
                continue;
            }

            Assert.True(Equals(a, b), $"{key}: configs/node.json says {a}, the class default is {b}");
        }
    }
}
