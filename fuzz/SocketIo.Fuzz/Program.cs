using SharpFuzz;
using SocketIo.Fuzz;

// Usage: SocketIo.Fuzz <target>            under afl-fuzz (persistent mode, input on the shared-memory channel)
//        SocketIo.Fuzz <target> <file>...  replays files once each, outside afl (to reproduce a crash)
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    await Console.Error.WriteLineAsync("usage: SocketIo.Fuzz <target> [file...]; targets: " + string.Join(", ", FuzzTargets.All.Keys));
    return 2;
}

if (args.Length > 1)
{
    foreach (var file in args.Skip(1))
    {
        target(await File.ReadAllBytesAsync(file));
        Console.WriteLine("ok " + file);
    }

    return 0;
}

// Persistent mode: one process runs many inputs, so a target must leave no state behind between runs.
Fuzzer.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
