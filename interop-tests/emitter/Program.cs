using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SocketIo.InteropEmitter;
using SocketIo.Redis;
using StackExchange.Redis;

// Drives SocketIo.Redis's RedisEmitter for the JS interop tests (interop-tests/redis-emitter.test.mjs), as a separate
// process with no server in it, the way an emitter is used. REDIS_URL and REDIS_KEY as in the interop contract.
// Once connected it prints "ready"; then each line on stdin is one command (EmitterCommand) and gets one line back,
// {"id":…,"ok":true} after Redis took the PUBLISH or {"id":…,"error":"…"}. It exits when stdin closes.
var url = Environment.GetEnvironmentVariable("REDIS_URL") ?? "redis://127.0.0.1:6379";
var key = Environment.GetEnvironmentVariable("REDIS_KEY") ?? "socket.io";
await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.ToConfiguration(url));
var emitter = new RedisEmitter(redis, new RedisEmitterOptions { Key = key });

Console.Out.WriteLine("ready");
Console.Out.Flush();
while (await Console.In.ReadLineAsync() is { } line)
{
    if (line.Length == 0)
    {
        continue;
    }

    JObject command;
    try
    {
        command = JObject.Parse(line);
    }
    catch (JsonException ex)
    {
        Reply(new JObject { ["id"] = null, ["error"] = "bad command: " + ex.Message });
        continue;
    }

    try
    {
        await EmitterCommand.RunAsync(emitter, command);
        Reply(new JObject { ["id"] = command["id"], ["ok"] = true });
    }
    catch (Exception ex) when (ex is ArgumentException or NotSupportedException or RedisException or SocketIo.Server.SocketIoClusterUnavailableException or InvalidOperationException)
    {
        Reply(new JObject { ["id"] = command["id"], ["error"] = ex.Message });
    }
}

static void Reply(JObject reply)
{
    Console.Out.WriteLine(reply.ToString(Formatting.None));
    Console.Out.Flush();
}
