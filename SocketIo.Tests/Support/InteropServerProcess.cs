using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SocketIo.Tests.Support;

/// <summary>
/// The interop host (<c>interop-tests/server</c>, built with the solution in the tests' configuration) in its own
/// process, on 127.0.0.1 port 0, optionally under <c>prlimit</c>. A missing build or <c>prlimit</c> fails the test
/// under <c>CI=true</c>; locally the test is ignored with the reason.
/// </summary>
internal sealed partial class InteropServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private InteropServerProcess(Process process) => _process = process;

    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>What it wrote to stderr (its log) so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the host with at most <paramref name="maxOpenFiles"/> file descriptors (RLIMIT_NOFILE, soft and hard).</summary>
    public static async Task<InteropServerProcess> StartAsync(int maxOpenFiles)
    {
        var prlimit = TestPrerequisites.FindOnPath("prlimit");
        if (prlimit is null)
        {
            TestPrerequisites.Missing("prlimit is not on PATH (util-linux)");
        }

        var dll = FindBuild();
        var start = new ProcessStartInfo(prlimit!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { $"--nofile={maxOpenFiles.ToString(CultureInfo.InvariantCulture)}", "dotnet", dll },
            Environment = { ["PORT"] = "0", ["HOST"] = "127.0.0.1" },
        };
        var server = new InteropServerProcess(Process.Start(start)!);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        server._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && Listening().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
            }
        };
        server._process.ErrorDataReceived += (_, e) =>
        {
            lock (server._stderr)
            {
                server._stderr.AppendLine(e.Data);
            }
        };
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var exited = server._process.WaitForExitAsync();
        if (await Task.WhenAny(listening.Task, exited).WithTimeout("the interop server to listen") != listening.Task)
        {
            throw new InvalidOperationException($"The interop server exited before listening: {server.Stderr}");
        }

        server.Port = await listening.Task;
        return server;
    }

    /// <summary>The interop host of the tests' own configuration, as fresh as the library under test.</summary>
    private static string FindBuild()
    {
        var tests = TestBuildLayout.TestsDirectory;
        var configuration = TestBuildLayout.Configuration;
        var root = TestBuildLayout.RepositoryRoot();
        var output = root is null ? null : Path.Combine(root.FullName, "interop-tests", "server", "bin", configuration, tests.Name);
        var dll = output is null ? null : Path.Combine(output, "SocketIo.InteropServer.dll");
        if (dll is null || !File.Exists(dll))
        {
            TestPrerequisites.Missing($"the interop server is not built in {configuration} (dotnet build -c {configuration} SocketIoNet.sln)");
        }

        const string library = "SocketIo.Server.dll";
        if (!File.ReadAllBytes(Path.Combine(output!, library)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(tests.FullName, library))))
        {
            TestPrerequisites.Missing($"the interop server build is older than the library under test (dotnet build -c {configuration} SocketIoNet.sln)");
        }

        return dll!;
    }

    [GeneratedRegex(@"^listening on http://[^:]+:(?<port>\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Listening();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
