using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SocketIo.Tests.Support;

/// <summary>
/// A raw Engine.IO long-polling client for Socket.IO tests that need polling's timing (no GET pending while the
/// server closes) or its payload framing: POSTs and GETs are explicit, so the test decides when a poll is open.
/// </summary>
internal sealed class SioPollingClient : IDisposable
{
    private const char Separator = '\u001e';
    private readonly HttpClient _http;

    /// <param name="baseAddress">The server.</param>
    /// <param name="maxConnections">At most this many connections (a test that needs its requests on known ones).</param>
    public SioPollingClient(Uri baseAddress, int maxConnections = int.MaxValue)
    {
#pragma warning disable CA2000 // The client owns its handler.
        _http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = maxConnections }) { BaseAddress = baseAddress, Timeout = Signals.DefaultTimeout };
#pragma warning restore CA2000
    }

    /// <summary>The Engine.IO session id, once <see cref="OpenAsync"/> has run.</summary>
    public string Sid { get; private set; } = string.Empty;

    private Uri SessionUri => new($"/socket.io/?EIO=4&transport=polling&sid={Uri.EscapeDataString(Sid)}", UriKind.Relative);

    /// <summary>The polling handshake.</summary>
    public async Task OpenAsync()
    {
        var body = await GetOkAsync(new Uri("/socket.io/?EIO=4&transport=polling", UriKind.Relative));
        if (!body.StartsWith('0'))
        {
            throw new InvalidOperationException($"Expected an open packet, got \"{body}\".");
        }

        Sid = JsonNode.Parse(body[1..])!["sid"]!.GetValue<string>();
    }

    /// <summary>POSTs Socket.IO packets (each becomes an Engine.IO message) in one payload; requires <c>ok</c>.</summary>
    public async Task PostAsync(params string[] packets)
    {
        using var content = new StringContent(string.Join(Separator, packets.Select(p => "4" + p)), Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain") { CharSet = "UTF-8" };
        using var response = await _http.PostAsync(SessionUri, content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK || body != "ok")
        {
            throw new InvalidOperationException($"POST failed: {(int)response.StatusCode} {body}");
        }
    }

    /// <summary>One GET; returns the Engine.IO packets of the payload as sent (<c>40{…}</c>, <c>6</c>, <c>1</c>…).</summary>
    public async Task<string[]> PollAsync() => (await GetOkAsync(SessionUri)).Split(Separator);

    /// <summary>GETs until a payload carries a Socket.IO packet; returns those packets without the Engine.IO <c>4</c>.</summary>
    public async Task<List<string>> ReceiveAsync()
    {
        while (true)
        {
            var packets = await PollAsync();
            var messages = packets.Where(p => p.StartsWith('4')).Select(p => p[1..]).ToList();
            if (messages.Count > 0)
            {
                return messages;
            }

            if (packets.Contains("1"))
            {
                throw new InvalidOperationException("The session closed.");
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> GetOkAsync(Uri uri)
    {
        using var response = await _http.GetAsync(uri);
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.OK
            ? body
            : throw new InvalidOperationException($"GET failed: {(int)response.StatusCode} {body}");
    }
}
