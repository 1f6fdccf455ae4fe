using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Decentral.Cli;

/// <summary>Parses one command-line value; false when <paramref name="text"/> is not a valid value.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public delegate bool ValueParser<T>(string text, [NotNullWhen(true)] out T? value);

/// <summary>
/// Typed options whose bad values are named in the user's terms ("--count: '0' is not a whole
/// number of at least 1") rather than as .NET type names.
/// </summary>
public static class CliOptions
{
    /// <summary>An option holding one value that <paramref name="parse"/> accepts, described as <paramref name="expected"/> in errors.</summary>
    public static Option<T> Parsed<T>(string name, string description, string helpName, ValueParser<T> parse, string expected)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var option = new Option<T>(name) { Description = description, HelpName = helpName };
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
            if (parse(text, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not {expected}");
            return default!;
        };
        return option;
    }

    /// <summary>Sets the value used when the option is absent (shown in the help as [default: ...]).</summary>
    public static Option<T> WithDefault<T>(this Option<T> option, T value)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.DefaultValueFactory = _ => value;
        return option;
    }

    /// <summary>A repeatable option (<c>--dial a --dial b</c>); every value must satisfy <paramref name="parse"/>.</summary>
    public static Option<IReadOnlyList<T>> Repeated<T>(string name, string description, string helpName, ValueParser<T> parse, string expected)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var option = new Option<IReadOnlyList<T>>(name) { Description = description, HelpName = helpName, Arity = ArgumentArity.OneOrMore };
        option.CustomParser = result =>
        {
            var values = new List<T>();
            foreach (var token in result.Tokens)
            {
                if (parse(token.Value, out var value))
                {
                    values.Add(value);
                }
                else
                {
                    result.AddError($"{name}: '{token.Value}' is not {expected}");
                }
            }

            return values;
        };
        option.DefaultValueFactory = _ => [];
        return option;
    }

    /// <summary>A whole-number option of at least <paramref name="min"/>.</summary>
    public static Option<int> Int(string name, string description, int min) =>
        Parsed<int>(name, description, "n", (string text, out int value) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min,
            min == int.MinValue ? "a whole number" : $"a whole number of at least {min}");

    /// <summary>A whole-number option of at least <paramref name="min"/> that is null when absent (so "not given" differs from any value).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min) =>
        Parsed<int?>(name, description, "n", (string text, [NotNullWhen(true)] out int? value) =>
        {
            value = int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) && parsed >= min ? parsed : null;
            return value is not null;
        }, min == int.MinValue ? "a whole number" : $"a whole number of at least {min}");

    /// <summary>
    /// A duration option ("250ms", "5s", "2m", "1h"), null when absent; <paramref name="positive"/>
    /// rejects zero. The help shows <paramref name="defaultValue"/> as typed ("100ms", not a TimeSpan).
    /// </summary>
    public static Option<TimeSpan?> Duration(string name, string description, TimeSpan defaultValue, bool positive = false) =>
        Parsed<TimeSpan?>(name, $"{description} [default: {DurationText.Format(defaultValue)}]", "duration", (string text, [NotNullWhen(true)] out TimeSpan? value) =>
        {
            value = DurationText.TryParse(text, out var parsed) && (!positive || parsed > TimeSpan.Zero) ? parsed : null;
            return value is not null;
        }, positive ? "a positive duration like 250ms, 5s or 2m" : "a duration like 250ms, 5s or 2m");

    /// <summary>A string option that must not be empty.</summary>
    public static Option<string> Text(string name, string description, string helpName) =>
        Parsed<string>(name, description, helpName, (string text, [NotNullWhen(true)] out string? value) =>
        {
            value = text.Length > 0 ? text : null;
            return value is not null;
        }, "a non-empty value");
}
