using Microsoft.AspNetCore.Http;

namespace SocketIo.Tests.Support;

/// <summary>A polling POST as the transport alone sees it: a text body, and a response body to inspect.</summary>
internal static class PollingPosts
{
    public static DefaultHttpContext Post(Stream body, Stream? response = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "text/plain;charset=UTF-8";
        context.Request.Body = body;
        context.Response.Body = response ?? new MemoryStream();
        return context;
    }
}
