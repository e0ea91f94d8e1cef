using System.Xml.Linq;
using NUnit.Framework;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// The apps in this repository (the demo <c>npm start</c> runs, the interop host the benchmark and the JS tests run)
/// tier up without the runtime's startup delay, through their runtimeconfig rather than an environment variable: the
/// benchmark's default configuration is then what these projects build (bench/RESULTS.md, 2026-12-02). The library
/// itself sets nothing process-wide.
/// </summary>
[TestFixture]
public sealed class AppTieringConfigTests
{
    private const string Knob = "System.Runtime.TieredCompilation.CallCountingDelayMs";

    [TestCase("samples/Chat/Chat.csproj")]
    [TestCase("interop-tests/server/SocketIo.InteropServer.csproj")]
    public void TheApp_SetsNoCallCountingDelay(string project)
    {
        var options = Options(project);
        Assert.That(options, Does.ContainKey(Knob));
        Assert.That(options[Knob], Is.EqualTo("0"));
    }

    [TestCase("SocketIo.Server/SocketIo.Server.csproj")]
    [TestCase("SocketIo.DirectWebSockets/SocketIo.DirectWebSockets.csproj")]
    [TestCase("SocketIo.Redis/SocketIo.Redis.csproj")]
    public void TheLibrary_SetsNoRuntimeOption(string project) => Assert.That(Options(project), Is.Empty);

    private static Dictionary<string, string?> Options(string project)
    {
        var root = TestBuildLayout.RepositoryRoot();
        Assert.That(root, Is.Not.Null, "the repository root");
        var xml = XDocument.Load(Path.Combine(root!.FullName, project));
        return xml.Descendants("RuntimeHostConfigurationOption")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string?)e.Attribute("Value"));
    }
}
