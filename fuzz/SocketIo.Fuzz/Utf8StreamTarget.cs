using System.Text.Unicode;
using SocketIo.DirectWebSockets;

namespace SocketIo.Fuzz;

/// <summary>
/// <c>Utf8StreamValidator</c> against the one-shot <see cref="Utf8.IsValid"/>: byte 0 is a seed for where the rest is
/// cut into pieces; however it is cut, the streaming answer must be the whole-message answer.
/// </summary>
internal static class Utf8StreamTarget
{
    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var message = input.AsSpan(1);
        var random = new Random(input[0]);
        var validator = default(Utf8StreamValidator);
        var valid = true;
        var offset = 0;
        do
        {
            var length = Math.Min(random.Next(0, 6), message.Length - offset);
            var final = offset + length == message.Length;
            valid = validator.Append(message.Slice(offset, length), final);
            offset += length;
            if (final)
            {
                break;
            }
        }
        while (valid);

        FuzzInvariantException.Check(valid == Utf8.IsValid(message), $"streaming says {valid} for a message whose validity is {!valid}");
    }
}
