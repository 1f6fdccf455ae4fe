using System.Text.Json;

namespace Decentral.Libp2p.Gossip.Tests.Kit;

/// <summary>A stdout for in-process CLI runs: each JSON line written becomes an awaitable event.</summary>
internal sealed class JsonLinesWriter : StringWriter
{
    public EventLog<JsonElement> Events { get; } = new();

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        if (!string.IsNullOrWhiteSpace(value) && value[0] == '{')
        {
            Events.Add(JsonDocument.Parse(value).RootElement.Clone());
        }
    }
}
