using System.Net;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.EngineIo;

/// <summary>engine.io's <c>cors</c> option, which applies the npm <c>cors</c> package (protocol.md "Paths and CORS").</summary>
[TestFixture]
public sealed class EngineCorsTests
{
    private static Task<KestrelEngineHost> StartWithOriginsAsync(params string[] origins) =>
        KestrelEngineHost.StartAsync(o =>
        {
            o.Cors = new EngineIoCorsOptions();
            foreach (var origin in origins)
            {
                o.Cors.Origins.Add(origin);
            }
        });

    private static async Task<HttpResponseMessage> SendWithOriginAsync(KestrelEngineHost host, HttpMethod method, string query, string origin, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, host.EngineUri(query)) { Content = content };
        request.Headers.TryAddWithoutValidation("Origin", origin);
        return await host.Http.SendAsync(request);
    }

    private static string? AllowOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? string.Join(",", values) : null;

    [Test]
    public async Task StarOrigin_EveryResponseCarriesAllowOriginStar()
    {
        await using var host = await StartWithOriginsAsync("*");
        const string origin = "https://example.com";

        using var handshakeResponse = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", origin);
        var sid = EngineHandshake.Parse(await handshakeResponse.Content.ReadAsStringAsync()).Sid;
        using var post = await SendWithOriginAsync(host, HttpMethod.Post, KestrelEngineHost.PollingQuery(sid), origin, new StringContent("4hi"));
        host.Handler.Connections.Single().Send("x");
        using var poll = await SendWithOriginAsync(host, HttpMethod.Get, KestrelEngineHost.PollingQuery(sid), origin);
        using var error = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=nope", origin);
        using var serverError = await SendWithOriginAsync(host, HttpMethod.Put, KestrelEngineHost.PollingQuery(sid), origin);
        using var withoutOrigin = await host.GetAsync("EIO=4&transport=polling");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(handshakeResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(AllowOrigin(handshakeResponse), Is.EqualTo("*"));
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(AllowOrigin(post), Is.EqualTo("*"));
            Assert.That(AllowOrigin(poll), Is.EqualTo("*"));
            Assert.That(error.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(AllowOrigin(error), Is.EqualTo("*"));
            Assert.That(serverError.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(AllowOrigin(serverError), Is.EqualTo("*"));
            Assert.That(AllowOrigin(withoutOrigin), Is.EqualTo("*"));
        }
    }

    [Test]
    public async Task Preflight_Is204WithTheCorsPackageDefaultMethods()
    {
        await using var host = await StartWithOriginsAsync("*");

        using var request = new HttpRequestMessage(HttpMethod.Options, host.EngineUri("EIO=4&transport=polling"));
        request.Headers.TryAddWithoutValidation("Origin", "https://example.com");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type,x-custom");
        using var response = await host.Http.SendAsync(request);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(AllowOrigin(response), Is.EqualTo("*"));
            Assert.That(response.Headers.GetValues("Access-Control-Allow-Methods").Single(), Is.EqualTo("GET,HEAD,PUT,PATCH,POST,DELETE"));
            Assert.That(response.Headers.GetValues("Access-Control-Allow-Headers").Single(), Is.EqualTo("content-type,x-custom"));
            Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
            Assert.That(host.Server.ClientsCount, Is.Zero, "a preflight is not a handshake");
        }
    }

    [Test]
    public async Task SpecificOrigin_IsReflectedWithVaryOrigin()
    {
        await using var host = await StartWithOriginsAsync("https://allowed.example");

        using var allowed = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://allowed.example");
        using var other = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://other.example");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(AllowOrigin(allowed), Is.EqualTo("https://allowed.example"));
            Assert.That(allowed.Headers.Vary, Does.Contain("Origin"));
            Assert.That(AllowOrigin(other), Is.Null);
            Assert.That(other.Headers.Vary, Does.Contain("Origin"));
        }
    }

    [Test]
    public async Task Credentials_AddAllowCredentials()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = new EngineIoCorsOptions { ReflectOrigin = true, Credentials = true });

        using var response = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://any.example");

        Assert.That(AllowOrigin(response), Is.EqualTo("https://any.example"));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Credentials").Single(), Is.EqualTo("true"));
    }

    [Test]
    public async Task WithoutCors_NoCorsHeaders_AndOptionsIsABadHandshakeMethod()
    {
        await using var host = await KestrelEngineHost.StartAsync();

        using var get = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://example.com");
        using var options = await SendWithOriginAsync(host, HttpMethod.Options, "EIO=4&transport=polling", "https://example.com");

        Assert.That(AllowOrigin(get), Is.Null);
        Assert.That(options.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await options.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":2,"message":"Bad handshake method"}"""));
    }

    [Test]
    public async Task OriginPatterns_ReflectAMatchingOrigin_WithVary()
    {
        await using var host = await KestrelEngineHost.StartAsync(o =>
        {
            o.Cors = new EngineIoCorsOptions();
            o.Cors.OriginPatterns.Add(new System.Text.RegularExpressions.Regex(@"^https://[a-z]+\.example\.com$", System.Text.RegularExpressions.RegexOptions.CultureInvariant));
        });

        using var allowed = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://app.example.com");
        using var other = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://evil.test");

        Assert.That(AllowOrigin(allowed), Is.EqualTo("https://app.example.com"));
        Assert.That(allowed.Headers.Vary, Does.Contain("Origin"));
        Assert.That(AllowOrigin(other), Is.Null);
    }

    [Test]
    public async Task OriginPredicate_TrueReflects_FalseLeavesNoCorsHeader_AndAPreflightToEngineIo()
    {
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = new EngineIoCorsOptions
        {
            OriginPredicate = async (origin, _) =>
            {
                await Task.Yield(); // decided asynchronously, as a callback may
                asked.Enqueue(origin);
                return origin == "https://good.example";
            },
        });

        using var good = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://good.example");
        using var bad = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://bad.example");
        using var badPreflight = await SendWithOriginAsync(host, HttpMethod.Options, "EIO=4&transport=polling", "https://bad.example");
        using var goodPreflight = await SendWithOriginAsync(host, HttpMethod.Options, "EIO=4&transport=polling", "https://good.example");

        Assert.That((good.StatusCode, AllowOrigin(good)), Is.EqualTo((HttpStatusCode.OK, (string?)"https://good.example")));
        Assert.That((bad.StatusCode, AllowOrigin(bad), bad.Headers.Vary.Count), Is.EqualTo((HttpStatusCode.OK, (string?)null, 0)));
        Assert.That(badPreflight.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "passed on to engine.io: a bad handshake method");
        Assert.That(goodPreflight.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(asked, Has.Count.EqualTo(4));
    }

    [Test]
    public async Task AnOriginPredicateThatThrows_RefusesWithBadRequest_AsAFailedMiddleware()
    {
        await using var host = await KestrelEngineHost.StartAsync(o => o.Cors = new EngineIoCorsOptions
        {
            OriginPredicate = (_, _) => throw new InvalidOperationException("origin store down"),
        });

        using var response = await SendWithOriginAsync(host, HttpMethod.Get, "EIO=4&transport=polling", "https://any.example");
        var error = await host.Handler.WaitForConnectionErrorAsync(EngineIoErrorCode.BadRequest);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"code":3,"message":"Bad request"}"""));
        Assert.That(error.Context["name"], Is.EqualTo("MIDDLEWARE_FAILURE"));
        Assert.That(host.Server.ClientsCount, Is.Zero);
    }
}
