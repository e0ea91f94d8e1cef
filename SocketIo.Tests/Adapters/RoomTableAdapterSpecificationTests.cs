using NUnit.Framework;
using SocketIo.Server.Adapters;
using SocketIo.Tests.ExternalAdapters;

namespace SocketIo.Tests.Adapters;

/// <summary>
/// The adapter specification against <see cref="RoomTableAdapter"/>, an adapter built in another assembly from the
/// public port alone: whatever the built-in adapter does for a client, a third-party adapter can do too.
/// </summary>
[TestFixture]
public sealed class RoomTableAdapterSpecificationTests : AdapterSpecification
{
    protected override int ServerCount => 1;

    protected override Func<IAdapterNamespace, SocketIoAdapter>? CreateAdapterFactory(int serverIndex) => port => new RoomTableAdapter(port);

    [Test]
    public void TheExternalAssembly_IsNotAFriendOfTheServer()
    {
        var friends = typeof(SocketIo.Server.SocketIoServer).Assembly
            .GetCustomAttributes(typeof(System.Runtime.CompilerServices.InternalsVisibleToAttribute), false)
            .Cast<System.Runtime.CompilerServices.InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName);

        Assert.That(friends, Has.None.StartsWith(typeof(RoomTableAdapter).Assembly.GetName().Name!));
    }
}
