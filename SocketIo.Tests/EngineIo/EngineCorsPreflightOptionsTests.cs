using System.Net;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>
/// The <c>cors</c> package's <c>preflightContinue</c>, <c>optionsSuccessStatus</c> and options delegate, as engine.io
/// passes its <c>cors</c> option to it.
/// </summary>
[TestFixture]
public sealed class EngineCorsPreflightOptionsTests
{
    private static async Task<HttpResponseMessage> PreflightAsync(KestrelEngineHost host, string query, string origin = "https://example.com")
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, host.EngineUri(query));
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        return await host.Http.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static EngineIoCorsOptions Star(Action<EngineIoCorsOptions>? configure = null)
    {
        var cors = new EngineIoCorsOptions();
        cors.Origins.Add("*");
        configure?.Invoke(cors);
        return cors;
    }

    [Test]
    public async Task OptionsSuccessStatus_IsTheStatusOfAnAnsweredPreflight()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = Star(c => c.OptionsSuccessStatus = 200));
        using var response = await PreflightAsync(host, "EIO=4&transport=polling");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Header(response, "Access-Control-Allow-Methods"), Is.EqualTo("GET,HEAD,PUT,PATCH,POST,DELETE"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task PreflightContinue_KeepsTheHeaders_AndTheEngineAnswersTheOptionsRequest()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = Star(c => c.PreflightContinue = true));

        using var handshake = await PreflightAsync(host, "EIO=4&transport=polling");
        Assert.That(handshake.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "an OPTIONS handshake, as engine.io answers it");
        Assert.That(await handshake.Content.ReadAsStringAsync(), Is.EqualTo("{\"code\":2,\"message\":\"Bad handshake method\"}"));
        Assert.That(Header(handshake, "Access-Control-Allow-Origin"), Is.EqualTo("*"));
        Assert.That(Header(handshake, "Access-Control-Allow-Methods"), Is.EqualTo("GET,HEAD,PUT,PATCH,POST,DELETE"));

        using var open = await host.GetAsync("EIO=4&transport=polling");
        var sid = EngineHandshake.Parse(await open.Content.ReadAsStringAsync()).Sid;
        using var withSid = await PreflightAsync(host, KestrelEngineHost.PollingQuery(sid));
        Assert.That(withSid.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), "polling answers methods other than GET and POST with 500");
        Assert.That(Header(withSid, "Access-Control-Allow-Origin"), Is.EqualTo("*"));
    }

    [Test]
    public async Task PerRequest_ChoosesEachRequestsOptions_NullMeaningNoCorsHeaders()
    {
        var trusted = new EngineIoCorsOptions { Credentials = true };
        trusted.Origins.Add("https://trusted.example");
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = new EngineIoCorsOptions
        {
            PerRequest = (context, _) => ValueTask.FromResult(context.Request.Headers.Origin.ToString() == "https://trusted.example" ? trusted : null),
        });

        using var trustedPreflight = await PreflightAsync(host, "EIO=4&transport=polling", "https://trusted.example");
        Assert.That(trustedPreflight.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Header(trustedPreflight, "Access-Control-Allow-Origin"), Is.EqualTo("https://trusted.example"));
        Assert.That(Header(trustedPreflight, "Access-Control-Allow-Credentials"), Is.EqualTo("true"));

        using var other = await PreflightAsync(host, "EIO=4&transport=polling", "https://other.example");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no options: the engine answers the OPTIONS request");
        Assert.That(Header(other, "Access-Control-Allow-Origin"), Is.Null);
        Assert.That(Header(other, "Access-Control-Allow-Methods"), Is.Null);
    }

    [Test]
    public async Task APerRequestDelegateThatThrows_RefusesWithBadRequest_AsAFailedMiddleware()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = new EngineIoCorsOptions
        {
            PerRequest = (_, _) => throw new InvalidOperationException("options store down"),
        });

        using var response = await host.GetAsync("EIO=4&transport=polling");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{\"code\":3,\"message\":\"Bad request\"}"));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }

    [Test]
    public void AnOptionsSuccessStatusOutside2xx_IsAnOptionsError()
    {
        var options = new EngineIoOptions { Cors = Star(c => c.OptionsSuccessStatus = 404) };
        Assert.That(options.GetErrors(), Has.One.Contains("Cors.OptionsSuccessStatus"));
    }
}
