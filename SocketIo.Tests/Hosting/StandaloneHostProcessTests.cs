using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// README's standalone program (the block after its <c>standalone-program</c> comment), built as the whole
/// <c>Program.cs</c> of a console project outside the repository that references SocketIo.Server, and run in its own
/// process: it serves until SIGINT or SIGTERM, then closes its clients, releases its port and exits with 0
/// (Node: a <c>new Server(3000)</c> process ended by Ctrl+C or <c>kill</c>).
/// </summary>
[TestFixture]
[Platform("Linux", Reason = "signals are sent with kill(1)")]
public sealed partial class StandaloneHostProcessTests
{
    /// <summary>Restore and build of the snippet on a busy 2-core machine; a run is bounded by <see cref="Signals.DefaultTimeout"/>.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    private string _projectDirectory = string.Empty;
    private string _program = string.Empty;

    [OneTimeSetUp]
    public async Task BuildTheReadmeProgram()
    {
        var configuration = TestBuildLayout.Configuration;
        var root = TestBuildLayout.RepositoryRoot();
        Assert.That(root, Is.Not.Null, "the repository root (SocketIoNet.sln) above the test binaries");
        var library = Path.Combine(root!.FullName, "SocketIo.Server", "SocketIo.Server.csproj");
        var readme = Path.Combine(root.FullName, "README.md");
        var snippet = ReadmeProgram().Match(await File.ReadAllTextAsync(readme));
        Assert.That(snippet.Success, Is.True, "README.md has a ```csharp block right after <!-- standalone-program … -->");

        // Outside the repository: the project sees none of its Directory.*.props, as a user's project would not.
        _projectDirectory = Path.Combine(Path.GetTempPath(), "socketionet-standalone-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_projectDirectory);
        await File.WriteAllTextAsync(Path.Combine(_projectDirectory, "Program.cs"), snippet.Groups["code"].Value);
        await File.WriteAllTextAsync(Path.Combine(_projectDirectory, "Standalone.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{library}" />
              </ItemGroup>
            </Project>
            """);

        // The library is already built in this configuration (the tests run on it); building it again would write
        // into the repository while other test processes may be loading it. RestoreRecursive=false: restore writes
        // only this project's assets file; packages come from the local cache the repository restored into.
        var build = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _projectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "build", "Standalone.csproj", "-c", configuration, "-nologo", "-v:quiet", "--disable-build-servers",
                "-p:BuildProjectReferences=false", "-p:RestoreRecursive=false",
            },
        };
        foreach (var name in build.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            build.Environment.Remove(name); // set by the test runner for its own build, not for this one
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(build)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(BuildTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet build of the README program took over {BuildTimeout.TotalMinutes} min.");
        }

        Assert.That(process.ExitCode, Is.Zero, $"dotnet build of the README program:\n{await stdout}\n{await stderr}");
        _program = Path.Combine(_projectDirectory, "bin", configuration, "net10.0", "Standalone.dll");
        await TestContext.Progress.WriteLineAsync($"README program built in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [OneTimeTearDown]
    public void DeleteTheProject()
    {
        if (_projectDirectory.Length > 0 && Directory.Exists(_projectDirectory))
        {
            Directory.Delete(_projectDirectory, recursive: true);
        }
    }

    [TestCase("INT", TestName = "Ctrl+C (SIGINT) disconnects the clients, releases the port and exits with 0")]
    [TestCase("TERM", TestName = "SIGTERM disconnects the clients, releases the port and exits with 0")]
    public async Task ASignal_StopsTheReadmeProgram(string signal)
    {
        var kill = TestPrerequisites.FindOnPath("kill");
        if (kill is null)
        {
            TestPrerequisites.Missing("kill is not on PATH (procps)");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { _program },
            Environment = { ["PORT"] = "0" }, // the program's own setting: port 0 picks a free port, and it prints it
        };
        using var server = Process.Start(start)!;
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data is { } line && Listening().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
            }
        };
        server.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var exited = server.WaitForExitAsync();
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        try
        {
            if (await Task.WhenAny(listening.Task, exited).WithTimeout("the README program to listen") != listening.Task)
            {
                Assert.Fail($"The README program exited with {server.ExitCode} before listening:\n{Output()}");
            }

            var port = await listening.Task;
            using var client = await SioRawClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"));
            await client.ConnectNamespaceAsync();
            Assert.That(await client.ReceiveTextAsync(), Is.EqualTo("2[\"hello\",\"world\"]"), "the program's connection handler");

            using (var signalling = Process.Start(kill!, ["-" + signal, server.Id.ToString(CultureInfo.InvariantCulture)])!)
            {
                await signalling.WaitForExitAsync().WithTimeout("kill(1)");
                Assert.That(signalling.ExitCode, Is.Zero, "kill(1) delivered the signal");
            }

            await client.WaitForCloseAsync();
            Assert.That(client.Drain(), Is.Empty, "Node sends no DISCONNECT on io.close(): the transport just closes");
            await exited.WithTimeout("the README program to exit");
            Assert.That(server.ExitCode, Is.Zero, Output());
            using var probe = new TcpClient();
            Assert.That(
                async () => await probe.ConnectAsync(IPAddress.Loopback, port),
                Throws.InstanceOf<SocketException>().With.Property(nameof(SocketException.SocketErrorCode)).EqualTo(SocketError.ConnectionRefused),
                "the port is released");
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
    }

    [GeneratedRegex(@"<!-- standalone-program\b[^>]*-->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ReadmeProgram();

    [GeneratedRegex(@"^listening on http://127\.0\.0\.1:(?<port>\d+)/?$", RegexOptions.CultureInvariant)]
    private static partial Regex Listening();
}
