using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;

// Where ASP.NET Core's UseStaticFiles lives.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Serves the built dashboard of <c>@socket.io/admin-ui</c> from the application, so that no second web server is needed.</summary>
public static class AdminUiApplicationBuilderExtensions
{
    /// <summary>
    /// Serves the files of <paramref name="uiDirectory"/> (the npm package's <c>ui/dist</c>, e.g.
    /// <c>node_modules/@socket.io/admin-ui/ui/dist</c>) under <paramref name="path"/>; <c>/path</c> redirects to
    /// <c>/path/</c>, whose <c>index.html</c> loads its scripts relative to it. The dashboard then connects to the
    /// server URL typed into its form, with its own login. Call it before <c>UseRouting</c> when the application
    /// has a fallback endpoint: ASP.NET Core's static files give way to an endpoint routing has already chosen.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="uiDirectory"/> has no <c>index.html</c>.</exception>
    public static IApplicationBuilder UseSocketIoAdminUi(this IApplicationBuilder app, string uiDirectory, string path = "/admin-ui")
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrEmpty(uiDirectory);
        var full = Path.GetFullPath(uiDirectory);
        if (!File.Exists(Path.Combine(full, "index.html")))
        {
            throw new DirectoryNotFoundException($"No admin UI build (index.html) in {full}; it ships in the npm package @socket.io/admin-ui under ui/dist.");
        }

        return app.UseFileServer(new FileServerOptions
        {
            RequestPath = new PathString(path),
            FileProvider = new PhysicalFileProvider(full),
        });
    }
}
