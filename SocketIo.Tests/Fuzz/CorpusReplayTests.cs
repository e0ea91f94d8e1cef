using NUnit.Framework;
using SocketIo.Fuzz;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Fuzz;

/// <summary>
/// Replays every fuzz seed (<c>fuzz/corpus/&lt;target&gt;/</c>) and every saved crash input (<c>fuzz/crashes/&lt;target&gt;/</c>)
/// through the same target code afl-fuzz runs, without afl: a decoder change that turns an old input into an exception
/// or a broken round trip fails here, in seconds, on every CI run.
/// </summary>
[TestFixture]
public sealed class CorpusReplayTests
{
    private static readonly string[] InputKinds = ["corpus", "crashes"];

    private static IEnumerable<string> Targets() => FuzzTargets.All.Keys;

    private static DirectoryInfo FuzzDirectory() =>
        new(Path.Combine(TestBuildLayout.RepositoryRoot()?.FullName ?? throw new InvalidOperationException("no repository around the tests"), "fuzz"));

    [TestCaseSource(nameof(Targets))]
    public void Every_seed_and_saved_crash_passes_the_target(string target)
    {
        var run = FuzzTargets.All[target];
        var files = InputKinds
            .Select(kind => new DirectoryInfo(Path.Combine(FuzzDirectory().FullName, kind, target)))
            .Where(d => d.Exists)
            .SelectMany(d => d.EnumerateFiles())
            .ToList();
        Assert.That(files, Is.Not.Empty, "every target has seeds");

        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                run(File.ReadAllBytes(file.FullName));
            }
#pragma warning disable CA1031 // every exception is a finding to report with its file, not to stop at
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"{file.Directory!.Name}/{file.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(failures, Is.Empty, $"{files.Count} inputs replayed");
    }

    [Test]
    public void Every_corpus_folder_names_a_target_and_every_target_has_one()
    {
        // A renamed target would otherwise replay nothing, and a new one would run unseeded.
        var folders = new DirectoryInfo(Path.Combine(FuzzDirectory().FullName, "corpus")).GetDirectories().Select(d => d.Name);
        Assert.That(folders, Is.EquivalentTo(FuzzTargets.All.Keys));
    }
}
