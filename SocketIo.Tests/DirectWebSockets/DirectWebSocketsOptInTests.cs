using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using SocketIo.DirectWebSockets;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// Nothing global unasked (STYLE.md): the core registers no transport and no Kestrel setting; the package's engine is
/// there only when the application calls <c>AddDirectWebSockets</c>.
/// </summary>
[TestFixture]
public sealed class DirectWebSocketsOptInTests
{
    [Test]
    public void AddSocketIo_RegistersNoTransportAndNoKestrelSetting()
    {
        var services = new ServiceCollection();
        services.AddSocketIo();

        Assert.That(services.Where(d => d.ServiceType == typeof(IConnectionListenerFactory)), Is.Empty);
        Assert.That(services.Where(d => d.ServiceType == typeof(IConfigureOptions<KestrelServerOptions>)), Is.Empty);
    }

    [Test]
    public void AddDirectWebSockets_RegistersTheListenerFactoryOnce()
    {
        var services = new ServiceCollection();
        services.AddSocketIo().AddDirectWebSockets().AddDirectWebSockets();
        services.AddLogging();
        using var provider = services.BuildServiceProvider();

        var factory = provider.GetServices<IConnectionListenerFactory>().Single();
        Assert.That(factory, Is.SameAs(provider.GetRequiredService<DirectSocketListenerFactory>()));
    }

    [Test]
    public async Task UseDirectWebSockets_WithoutAddDirectWebSockets_FailsTheStart_NamingTheMissingCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseDirectWebSockets()));
        builder.Services.AddSocketIo();
        await using var app = builder.Build();
        app.MapSocketIo();

        var failure = Assert.ThrowsAsync<InvalidOperationException>(async () => await app.StartAsync().WithTimeout("the host to start"));
        Assert.That(failure!.Message, Does.Contain("AddDirectWebSockets()"));
    }
}
