using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using SocketIo.Server;
using SocketIo.Server.Hosting;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// SocketIoNet inside an ordinary ASP.NET Core app: options validated at start, authentication flowing into
/// <c>socket.User</c>, <c>RequireAuthorization()</c> and CORS policies on the <c>MapSocketIo</c> endpoint.
/// </summary>
[TestFixture]
public sealed class AspNetCoreIntegrationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public void Invalid_options_stop_the_host_at_start_with_every_problem_named()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSocketIo(o =>
        {
            o.Engine.PingInterval = TimeSpan.Zero;
            o.ConnectTimeout = TimeSpan.FromSeconds(-1);
            o.Engine.Transports.Add("carrier-pigeon");
        });
        var app = builder.Build();
        var error = Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.That(error!.Failures, Has.Some.Contains("PingInterval").And.Some.Contains("ConnectTimeout").And.Some.Contains("carrier-pigeon"));
    }

    [Test]
    public async Task The_authenticated_user_of_the_handshake_request_is_socket_User()
    {
        await using var host = await StartAsync(requireAuthorization: false);
        var user = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Io.OnConnection((socket, _) =>
        {
            user.TrySetResult(socket.User.Identity?.Name);
            return ValueTask.CompletedTask;
        });

        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-User", "alice");
        using var cts = new CancellationTokenSource(Wait);
        await ws.ConnectAsync(new Uri($"ws://{host.Url.Authority}/socket.io/?EIO=4&transport=websocket"), cts.Token);
        await ReceiveAsync(ws, cts.Token); // open packet
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        Assert.That(await user.Task.WaitAsync(Wait), Is.EqualTo("alice"));
    }

    [Test]
    public async Task RequireAuthorization_on_the_endpoint_refuses_anonymous_handshakes()
    {
        await using var host = await StartAsync(requireAuthorization: true);
        using var http = new HttpClient { BaseAddress = host.Url, Timeout = Wait };
        var anonymous = await http.GetAsync("/socket.io/?EIO=4&transport=polling");
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        request.Headers.Add("X-User", "bob");
        var authorized = await http.SendAsync(request);
        Assert.That(authorized.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await authorized.Content.ReadAsStringAsync(), Does.StartWith("0{\"sid\":"));
    }

    [Test]
    public async Task An_ASP_NET_CORS_policy_applies_to_the_endpoint()
    {
        await using var host = await StartAsync(requireAuthorization: false, corsPolicy: true);
        using var http = new HttpClient { BaseAddress = host.Url, Timeout = Wait };

        using var get = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        get.Headers.Add("Origin", "https://chat.example");
        var response = await http.SendAsync(get);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("https://chat.example"));

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/socket.io/?EIO=4&transport=polling");
        preflight.Headers.Add("Origin", "https://chat.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var answer = await http.SendAsync(preflight);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Methods"), Has.Some.Contains("POST"));

        using var other = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        other.Headers.Add("Origin", "https://evil.example");
        var refused = await http.SendAsync(other);
        Assert.That(refused.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    private static async Task<TestHost> StartAsync(bool requireAuthorization, bool corsPolicy = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddCors(o => o.AddPolicy("chat", p => p.WithOrigins("https://chat.example").AllowAnyHeader().AllowAnyMethod().AllowCredentials()));
        builder.Services.AddSocketIo();
        var app = builder.Build();
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        var endpoint = app.MapSocketIo();
        if (requireAuthorization)
        {
            endpoint.RequireAuthorization();
        }

        if (corsPolicy)
        {
            endpoint.RequireCors("chat");
        }

        await app.StartAsync();
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new TestHost(app, app.Services.GetRequiredService<SocketIoServer>(), url);
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[4096];
        var result = await ws.ReceiveAsync(buffer, ct);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private sealed record TestHost(WebApplication App, SocketIoServer Io, Uri Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    /// <summary>Authenticates whoever sends <c>X-User</c>: enough to see the user flow into the socket.</summary>
    private sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Header";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers["X-User"].ToString() is not { Length: > 0 } name)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
