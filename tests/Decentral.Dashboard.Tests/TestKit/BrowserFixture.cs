namespace Decentral.Dashboard.Tests.TestKit;

/// <summary>One browser for a test class (starting chromium costs about a second).</summary>
public sealed class BrowserFixture : IDisposable
{
    private readonly Lazy<Browser> _browser = new(() => new Browser());

    public Browser Browser => _browser.Value;

    public void Dispose()
    {
        if (_browser.IsValueCreated)
        {
            _browser.Value.Dispose();
        }
    }
}
