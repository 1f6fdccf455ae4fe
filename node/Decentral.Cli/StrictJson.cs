using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Decentral.Cli;

/// <summary>One problem with a user's input: where (a JSON path such as <c>$.protocol.sampleSize</c>) and what is wrong.</summary>
/// <param name="Path">The JSON path of the field, <c>$</c> for the document.</param>
/// <param name="Message">What is wrong: the value found and what was expected.</param>
public sealed record InputProblem(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>What <see cref="StrictJson.Read{T}"/> found.</summary>
/// <typeparam name="T">The options class read.</typeparam>
/// <param name="Value">The object, with defaults where a field was missing or bad; null when the text is no JSON object.</param>
/// <param name="Problems">Every problem, in document order.</param>
/// <param name="Present">The JSON paths of the fields the document sets (to tell "set" from "left at the default").</param>
public sealed record StrictJsonResult<T>(T? Value, IReadOnlyList<InputProblem> Problems, IReadOnlySet<string> Present)
    where T : class
{
    /// <summary>The paths that had a problem (rules over several fields skip those).</summary>
    public IReadOnlySet<string> BadPaths { get; } = Problems.Select(p => p.Path).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// Reads JSON into an options class and reports every problem in one pass, each with its JSON
/// path, the value found and what was expected: invalid JSON with one position; every unknown
/// field with the nearest valid name; a bad enum with its valid values; a wrong type in the
/// user's terms. The fields come from System.Text.Json's own contract of the type (names,
/// naming policy, converters), so a new property is known without any list to keep.
/// </summary>
public static partial class StrictJson
{
    /// <summary>Reads <paramref name="json"/> as a <typeparamref name="T"/> with <paramref name="options"/>.</summary>
    public static StrictJsonResult<T> Read<T>(string json, JsonSerializerOptions options)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(options);
        options.MakeReadOnly(populateMissingResolver: true);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = options.ReadCommentHandling, AllowTrailingCommas = options.AllowTrailingCommas });
        }
        catch (JsonException e)
        {
            var at = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            return new StrictJsonResult<T>(null, [new InputProblem("$", $"invalid JSON{at}: {WithoutPosition(e.Message)}")], new HashSet<string>());
        }

        using (document)
        {
            var reader = new Reader(options);
            var info = options.GetTypeInfo(typeof(T));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new StrictJsonResult<T>(null, [new InputProblem("$", $"must be a JSON object {{ ... }} (got {Shown(document.RootElement)}).")], new HashSet<string>());
            }

            var value = (T?)reader.ReadObject(document.RootElement, info, "$", existing: null);
            return new StrictJsonResult<T>(value, reader.Problems, reader.Present);
        }
    }

    /// <summary>What a value of <paramref name="type"/> looks like, in the user's terms.</summary>
    internal static string Expected(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) || t == typeof(ulong) => "a whole number",
            _ when t == typeof(double) || t == typeof(float) || t == typeof(decimal) => "a number",
            _ when t == typeof(bool) => "true or false",
            _ when t == typeof(string) => "a string",
            _ when t == typeof(TimeSpan) => "a duration \"hh:mm:ss\" (e.g. \"00:05:00\"; \"1.00:00:00\" is a day)",
            _ when t.IsEnum => $"one of {string.Join(", ", EnumNames(t))}",
            _ when t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t) => "a list [ ... ]",
            _ => "an object { ... }",
        };
    }

    private static IEnumerable<string> EnumNames(Type type) => Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName);

    private static string Shown(JsonElement element)
    {
        var text = element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "a list",
            _ => element.GetRawText(),
        };
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    private static string WithoutPosition(string message) => PositionSuffix().Replace(message, "").TrimEnd();

    [GeneratedRegex(@"\s*(Path: \S+ \| )?LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex PositionSuffix();

    private sealed class Reader(JsonSerializerOptions options)
    {
        public List<InputProblem> Problems { get; } = [];

        public HashSet<string> Present { get; } = new(StringComparer.Ordinal);

        public object? ReadObject(JsonElement element, JsonTypeInfo info, string path, object? existing)
        {
            var instance = existing ?? info.CreateObject?.Invoke();
            if (instance is null)
            {
                return ReadLeaf(element, info.Type, path, out var leaf) ? leaf : null;
            }

            var properties = info.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var field in element.EnumerateObject())
            {
                var fieldPath = $"{path}.{field.Name}";
                if (!properties.TryGetValue(field.Name, out var property))
                {
                    var names = info.Properties.Select(p => p.Name).ToList();
                    Problems.Add(new InputProblem(fieldPath, Suggestions.Nearest(field.Name, names) is { } nearest
                        ? $"unknown field; did you mean {nearest}?"
                        : $"unknown field (the fields here: {string.Join(", ", names)})."));
                    continue;
                }

                Present.Add(fieldPath);
                if (property.Set is null)
                {
                    // A get-only section is filled in place.
                    if (property.Get?.Invoke(instance) is { } section && field.Value.ValueKind == JsonValueKind.Object)
                    {
                        ReadObject(field.Value, options.GetTypeInfo(property.PropertyType), fieldPath, section);
                    }

                    continue;
                }

                if (ReadValue(field.Value, property, fieldPath, out var value))
                {
                    property.Set(instance, value);
                }
            }

            return instance;
        }

        private bool ReadValue(JsonElement element, JsonPropertyInfo property, string path, out object? value)
        {
            if (element.ValueKind == JsonValueKind.Null && !property.IsSetNullable)
            {
                Problems.Add(new InputProblem(path, $"must be {Expected(property.PropertyType)} (got null)."));
                value = null;
                return false;
            }

            return ReadValue(element, property.PropertyType, path, out value);
        }

        private bool ReadValue(JsonElement element, Type type, string path, out object? value)
        {
            var info = options.GetTypeInfo(type);
            if (info.Kind == JsonTypeInfoKind.Object && element.ValueKind == JsonValueKind.Object)
            {
                value = ReadObject(element, info, path, existing: null);
                return value is not null;
            }

            if (info.Kind == JsonTypeInfoKind.Enumerable && element.ValueKind == JsonValueKind.Array && info.ElementType is { } itemType
                && options.GetTypeInfo(itemType).Kind == JsonTypeInfoKind.Object && info.CreateObject?.Invoke() is IList list)
            {
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var itemPath = $"{path}[{index++}]";
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        Problems.Add(new InputProblem(itemPath, $"must be {Expected(itemType)} (got {Shown(item)})."));
                    }
                    else if (ReadValue(item, itemType, itemPath, out var entry))
                    {
                        list.Add(entry);
                    }
                }

                value = list;
                return true;
            }

            return ReadLeaf(element, type, path, out value);
        }

        private bool ReadLeaf(JsonElement element, Type type, string path, out object? value)
        {
            var enumType = Nullable.GetUnderlyingType(type) ?? type;
            try
            {
                value = element.Deserialize(type, options);
                if (!enumType.IsEnum || value is null || Enum.IsDefined(enumType, value))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or FormatException or OverflowException)
            {
                // Reported below in the user's terms.
            }

            value = null;
            var hint = enumType.IsEnum && element.ValueKind == JsonValueKind.String ? Suggestions.DidYouMean(element.GetString()!, EnumNames(enumType)) : "";
            Problems.Add(new InputProblem(path, $"must be {Expected(type)} (got {Shown(element)}){(hint.Length > 0 ? hint : ".")}"));
            return false;
        }
    }
}
