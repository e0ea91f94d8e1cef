using NUnit.Framework;
using SocketIo.AdminUi;
using SocketIo.Server;

namespace SocketIo.Tests.AdminUi;

[TestFixture]
public sealed class AdminUiOptionsTests
{
    [Test]
    public async Task Instrument_WithoutAnAuthChoice_Throws_AsNodeDoes()
    {
        await using var io = new SocketIoServer();

        var error = Assert.Throws<ArgumentException>(() => io.Instrument(_ => { }));

        Assert.That(error!.Message, Does.Contain("Auth option must be set"));
        Assert.That(io.Namespaces.ContainsKey("/admin"), Is.False);
    }

    [Test]
    public void BasicAuth_RequiresABcryptHash()
    {
        Assert.Throws<ArgumentException>(() => AdminUiAuth.Basic("admin", "not-a-hash"));
        var hash = BCrypt.Net.BCrypt.HashPassword("s3cret", 4);
        Assert.That(AdminUiAuth.Basic("admin", hash).PasswordHash, Is.EqualTo(hash));
    }

    [Test]
    public void BadOptions_AreAllNamed()
    {
        var options = new AdminUiOptions { Auth = AdminUiAuth.None, NamespaceName = "admin", StatsInterval = TimeSpan.Zero };

        Assert.That(options.GetErrors(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task TheInMemoryStore_ForgetsTheOldestSessionBeyondItsCapacity()
    {
        var store = new InMemoryAdminUiStore(capacity: 2);
        await store.SaveSessionAsync("a");
        await store.SaveSessionAsync("b");
        await store.SaveSessionAsync("b");
        await store.SaveSessionAsync("c");

        Assert.That(await store.DoesSessionExistAsync("a"), Is.False);
        Assert.That(await store.DoesSessionExistAsync("b"), Is.True);
        Assert.That(await store.DoesSessionExistAsync("c"), Is.True);
    }
}
