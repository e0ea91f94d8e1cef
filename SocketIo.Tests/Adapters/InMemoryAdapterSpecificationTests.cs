using NUnit.Framework;
using SocketIo.Server.Adapters;

namespace SocketIo.Tests.Adapters;

/// <summary>The default single-server adapter against the adapter specification.</summary>
[TestFixture]
public sealed class InMemoryAdapterSpecificationTests : AdapterSpecification
{
    protected override int ServerCount => 1;

    // Null: the server's default, InMemoryAdapter.
    protected override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex) => null;

    [Test]
    public async Task TheDefaultAdapter_IsTheInMemoryAdapter()
    {
        await using var cluster = await StartAsync();

        Assert.That(cluster[0].Sockets.Adapter, Is.TypeOf<InMemoryAdapter>());
        Assert.That(cluster[0].Of("/other").Adapter, Is.TypeOf<InMemoryAdapter>());
    }
}
