using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Serves the browser client at <c>&lt;path&gt;/socket.io.js</c> and its siblings, as Node's <c>serveClient</c> does
/// (socket.io index.ts <c>serve</c>): ETag = the client's version, <c>Cache-Control: public, max-age=0</c>,
/// 304 on a matching If-None-Match, compressed when the browser accepts it. The files come from the npm package
/// <c>socket.io-client</c> (its <c>dist</c> folder); nothing is fetched from a CDN.
/// </summary>
internal sealed class SocketIoClientFiles
{
    /// <summary>The file names Node serves (socket.io index.ts <c>CLIENT_FILES</c>).</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "socket.io.esm.min.js", "socket.io.esm.min.js.map", "socket.io.js", "socket.io.js.map",
        "socket.io.min.js", "socket.io.min.js.map", "socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
    };

    private readonly string _directory;
    private readonly string _etag;

    public SocketIoClientFiles(string directory)
    {
        _directory = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(_directory, "socket.io.js")))
        {
            throw new DirectoryNotFoundException($"No socket.io.js in '{_directory}': point ClientFilesDirectory at node_modules/socket.io-client/dist.");
        }

        _etag = "\"" + ReadVersion(_directory) + "\"";
    }

    private static string ReadVersion(string directory)
    {
        var packageJson = Path.Combine(directory, "..", "package.json");
        if (File.Exists(packageJson))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(packageJson));
            if (doc.RootElement.TryGetProperty("version", out var version) && version.GetString() is { } v)
            {
                return v;
            }
        }

        return File.GetLastWriteTimeUtc(Path.Combine(directory, "socket.io.js")).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ServeAsync(HttpContext context, string file)
    {
        var request = context.Request;
        var response = context.Response;
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch == _etag || ifNoneMatch == "W/" + _etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var isMap = file.EndsWith(".map", StringComparison.Ordinal);
        response.Headers.CacheControl = "public, max-age=0";
        response.ContentType = "application/" + (isMap ? "json" : "javascript") + "; charset=utf-8";
        response.Headers.ETag = _etag;
        var bytes = await File.ReadAllBytesAsync(Path.Combine(_directory, file), context.RequestAborted).ConfigureAwait(false);
        var encoding = ChooseEncoding(request.Headers.AcceptEncoding.ToString());
        if (encoding is null)
        {
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.Headers.ContentEncoding = encoding;
        Stream compressor = encoding switch
        {
            "br" => new BrotliStream(response.Body, CompressionLevel.Fastest, leaveOpen: true),
            "gzip" => new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true),
            _ => new ZLibStream(response.Body, CompressionLevel.Fastest, leaveOpen: true),
        };
        await using (compressor.ConfigureAwait(false))
        {
            await compressor.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Node: <c>accepts(req).encodings(["br", "gzip", "deflate"])</c> — the first one the browser accepts.</summary>
    private static string? ChooseEncoding(string acceptEncoding)
    {
        foreach (var candidate in new[] { "br", "gzip", "deflate" })
        {
            foreach (var part in acceptEncoding.Split(','))
            {
                var item = part.Trim();
                var name = item.Split(';')[0].Trim();
                if (name.Equals(candidate, StringComparison.OrdinalIgnoreCase) && !item.Contains("q=0", StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
