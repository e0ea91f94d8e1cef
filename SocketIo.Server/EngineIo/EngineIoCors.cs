using Microsoft.AspNetCore.Http;

namespace SocketIo.Server.EngineIo;

/// <summary>The npm <c>cors</c> package's behaviour, as engine.io applies it to its own requests.</summary>
internal static class EngineIoCors
{
    /// <summary>
    /// Adds CORS headers; true when the request was a preflight and has been answered (204, or
    /// <see cref="EngineIoCorsOptions.OptionsSuccessStatus"/>). A throwing <see cref="EngineIoCorsOptions.OriginPredicate"/>
    /// or <see cref="EngineIoCorsOptions.PerRequest"/> throws here.
    /// </summary>
    public static async ValueTask<bool> ApplyAsync(EngineIoCorsOptions cors, HttpContext context)
    {
        if (cors.PerRequest is { } perRequest)
        {
            if (await perRequest(context, context.RequestAborted).ConfigureAwait(false) is not { } options)
            {
                return false; // no options for this request: no CORS headers, the engine answers it as without CORS
            }

            cors = options;
        }

        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        bool reflect;
        if (cors.OriginPredicate is { } predicate)
        {
            if (!await predicate(origin.Length > 0 ? origin : null, context.RequestAborted).ConfigureAwait(false))
            {
                return false; // the cors package calls next() without touching the response
            }

            reflect = true;
        }
        else
        {
            reflect = cors.ReflectOrigin
                || (origin.Length > 0 && (cors.Origins.Contains(origin) || cors.OriginPatterns.Any(p => p.IsMatch(origin))));
        }

        var headers = context.Response.Headers;
        if (cors.OriginPredicate is null && cors.Origins.Count == 1 && cors.Origins[0] == "*" && !cors.ReflectOrigin && cors.OriginPatterns.Count == 0)
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else
        {
            if (reflect && origin.Length > 0)
            {
                headers.AccessControlAllowOrigin = origin;
            }

            headers.Append("Vary", "Origin");
        }

        if (cors.Credentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        if (cors.ExposedHeaders is not null)
        {
            headers.AccessControlExposeHeaders = cors.ExposedHeaders;
        }

        if (!HttpMethods.IsOptions(request.Method))
        {
            return false;
        }

        headers.AccessControlAllowMethods = cors.Methods;
        if (cors.AllowedHeaders is not null)
        {
            headers.AccessControlAllowHeaders = cors.AllowedHeaders;
        }
        else if (request.Headers.AccessControlRequestHeaders.Count > 0)
        {
            headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders.ToString();
            headers.Append("Vary", "Access-Control-Request-Headers");
        }

        if (cors.MaxAge is { } maxAge)
        {
            headers.AccessControlMaxAge = ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (cors.PreflightContinue)
        {
            return false; // the cors package calls next(): the engine answers the OPTIONS request itself
        }

        context.Response.StatusCode = cors.OptionsSuccessStatus;
        context.Response.ContentLength = 0;
        return true;
    }
}
