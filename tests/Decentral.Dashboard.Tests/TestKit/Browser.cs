using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Decentral.Dashboard.Tests.TestKit;

/// <summary>
/// Headless Debian chromium driven by chromium-driver through Selenium, one per test class. A
/// missing browser fails the test with what to install (.ci/run installs both); it never skips.
/// </summary>
public sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    // "It started" waits are generous (a loaded 2-core machine); page waits are bounded.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    // Bounded, with room for a loaded machine: in the full suite these tests take twice as long as alone.
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _profile = Directory.CreateTempSubdirectory("decentral-chromium-");
    private readonly ChromeDriver _driver;

    public Browser()
    {
        foreach (var path in new[] { ChromiumPath, DriverPath })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"{path} is missing: the dashboard's browser tests need Debian's chromium and chromium-driver " +
                    "(apt-get install -y chromium chromium-driver; .ci/run installs them). Run other tests with --filter Category!=Browser.");
            }
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1400,1100", "--hide-scrollbars", $"--user-data-dir={_profile.FullName}");
        _driver = new ChromeDriver(service, options, StartTimeout);
        _driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public IWebDriver Driver => _driver;

    public void Open(Uri url) => _driver.Navigate().GoToUrl(url);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; the failure says what was awaited and what the page showed.</summary>
    public T WaitFor<T>(string what, Func<IWebDriver, T?> condition, TimeSpan? timeout = null)
        where T : class
    {
        var wait = new WebDriverWait(_driver, timeout ?? PageTimeout) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            return wait.Until(d => condition(d))!;
        }
        catch (WebDriverTimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; the page shows: {Text("body")}");
        }
    }

    public string Text(string css) => _driver.FindElements(By.CssSelector(css)) is [var e, ..] ? e.Text : "";

    public object? Script(string script, params object[] args) => ((IJavaScriptExecutor)_driver).ExecuteScript(script, args);

    /// <summary>
    /// The whole page as PNG: the viewport is set to the document's height (twice, as charts
    /// redraw for the new size), captured, then restored.
    /// </summary>
    public byte[] FullPageScreenshot(int width = 1400)
    {
        for (var i = 0; i < 2; i++)
        {
            var height = Convert.ToInt32(Script("return document.documentElement.scrollHeight;"), System.Globalization.CultureInfo.InvariantCulture);
            _driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
            {
                ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false,
            });
            Script("window.dispatchEvent(new Event('resize'));");
        }

        var png = _driver.GetScreenshot().AsByteArray;
        _driver.ExecuteCdpCommand("Emulation.clearDeviceMetricsOverride", []);
        return png;
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // chromium may still be writing its profile as it exits; the temp folder is cleaned later.
        }
    }
}
