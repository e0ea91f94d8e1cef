namespace SocketIo.Tests.Support;

/// <summary>Where the tests run from: their configuration and the repository around their build output.</summary>
internal static class TestBuildLayout
{
    /// <summary>The tests' output folder: <c>…/SocketIo.Tests/bin/&lt;configuration&gt;/net10.0</c>.</summary>
    public static DirectoryInfo TestsDirectory { get; } = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The configuration the tests were built in (<c>Release</c>, <c>Debug</c>).</summary>
    public static string Configuration => TestsDirectory.Parent!.Name;

    /// <summary>The folder of <c>SocketIoNet.sln</c> above the tests' output, or null when they run from elsewhere.</summary>
    public static DirectoryInfo? RepositoryRoot()
    {
        var root = TestsDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SocketIoNet.sln")))
        {
            root = root.Parent;
        }

        return root;
    }
}
