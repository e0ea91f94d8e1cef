using NUnit.Framework;

namespace SocketIo.Tests.Support;

/// <summary>Outside programs some tests need, and what happens when one is missing.</summary>
internal static class TestPrerequisites
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Fails the test under <c>CI=true</c>; locally ignores it, with the reason. Never returns.</summary>
    public static void Missing(string reason)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason);
        }

        Assert.Ignore(reason);
    }
}
