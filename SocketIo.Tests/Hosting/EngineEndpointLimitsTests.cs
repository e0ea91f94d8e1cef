using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using SocketIo.Server.EngineIo;
using SocketIo.Tests.Support;

namespace SocketIo.Tests.Hosting;

/// <summary>
/// The Kestrel limits <c>MapEngineIo</c> lifts because Engine.IO enforces its own: the body size (maxHttpBufferSize)
/// and the body's minimum data rate (HttpRequestBodyTimeout: Kestrel's 240 B/s after 5 s would reset a slow POST's
/// connection with no answer, where engine.io 6.6.13 answers 408 after 30 s; measured on the interop host).
/// </summary>
[TestFixture]
public sealed class EngineEndpointLimitsTests
{
    private sealed class Limits : IHttpMinRequestBodyDataRateFeature, IHttpMaxRequestBodySizeFeature
    {
        public MinDataRate? MinDataRate { get; set; } = new(240, TimeSpan.FromSeconds(5));

        public bool IsReadOnly => false;

        public long? MaxRequestBodySize { get; set; } = 30_000_000;
    }

    [Test]
    public async Task TheEngineEndpoint_LiftsKestrelsBodyRateAndSize_BeforeItServesTheRequest()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();
        app.MapEngineIo("/engine.io", new EngineIoServer(new EngineIoOptions(), new RecordingEngineHandler()));
        var endpoint = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().First();
        var limits = new Limits();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpMinRequestBodyDataRateFeature>(limits);
        context.Features.Set<IHttpMaxRequestBodySizeFeature>(limits);
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/engine.io/";
        context.Request.QueryString = new QueryString("?EIO=4&transport=polling&sid=unknown");
        context.Response.Body = new MemoryStream();
        context.RequestServices = app.Services;

        await endpoint.RequestDelegate!(context).WithTimeout("the request");

        Assert.That(context.Response.StatusCode, Is.EqualTo(StatusCodes.Status400BadRequest), "served by the engine");
        Assert.That((limits.MinDataRate, limits.MaxRequestBodySize), Is.EqualTo(((MinDataRate?)null, (long?)null)));
    }
}
