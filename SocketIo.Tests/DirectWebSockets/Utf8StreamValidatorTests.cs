using System.Text;
using System.Text.Unicode;
using NUnit.Framework;
using SocketIo.DirectWebSockets;

namespace SocketIo.Tests.DirectWebSockets;

/// <summary>
/// <see cref="Utf8StreamValidator"/>: a text message that arrives in pieces is valid UTF-8 exactly when the whole is,
/// wherever the pieces are cut (RFC 6455 §8.1).
/// </summary>
[TestFixture]
public sealed class Utf8StreamValidatorTests
{
    /// <summary>Characters of every encoded length, at the edges of their ranges.</summary>
    private static readonly string[] SampleCharacters = ["a", "\u007F", "\u0080", "é", "\u07FF", "\u0800", "€", "\uD7FF", "\uE000", "\uFFFD", "😀", "\U00010000", "\U0010FFFF"];

    /// <summary>Feeds the pieces in order, as the receive path does, and stops at the first rejection.</summary>
    private static bool Accepts(params byte[][] pieces)
    {
        var validator = default(Utf8StreamValidator);
        for (var i = 0; i < pieces.Length; i++)
        {
            if (!validator.Append(pieces[i], final: i == pieces.Length - 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every way to cut <paramref name="bytes"/> into contiguous pieces (2^(n-1) of them), optionally with empty pieces between.</summary>
    private static IEnumerable<byte[][]> AllSplits(byte[] bytes, bool withEmptyPieces)
    {
        if (bytes.Length == 0)
        {
            yield return [[]];
            yield break;
        }

        var cuts = bytes.Length - 1;
        for (var mask = 0; mask < 1 << cuts; mask++)
        {
            var pieces = new List<byte[]>();
            var start = 0;
            for (var i = 0; i < cuts; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    pieces.Add(bytes[start..(i + 1)]);
                    if (withEmptyPieces)
                    {
                        pieces.Add([]);
                    }

                    start = i + 1;
                }
            }

            pieces.Add(bytes[start..]);
            yield return [.. pieces];
        }
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    [TestCase("aé€😀")]
    [TestCase("é")]
    [TestCase("€€")]
    [TestCase("😀😀")]
    [TestCase("\u0800\uFFFD\U00010000\U0010FFFF\u007F\u0080\u07FF")]
    [TestCase("")]
    public void ValidText_IsAccepted_AtEverySplitPoint(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using (Assert.EnterMultipleScope())
        {
            foreach (var withEmpty in new[] { false, true })
            {
                foreach (var split in AllSplits(bytes, withEmpty))
                {
                    Assert.That(Accepts(split), Is.True, $"pieces {string.Join(" | ", split.Select(Convert.ToHexString))}");
                }
            }

            // With an empty final piece behind the whole text, as an empty final continuation frame delivers it.
            Assert.That(Accepts(bytes, []), Is.True);
        }
    }

    [Test]
    public void EverySingleSplitPoint_OfTheSampleText_IsAcceptedWithOneFinalPiece()
    {
        var bytes = Encoding.UTF8.GetBytes("aé€😀");
        Assert.That(bytes, Has.Length.EqualTo(10));
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.That(Accepts(bytes[..cut], bytes[cut..]), Is.True, $"cut at {cut}");
        }
    }

    [TestCase("C0 80", TestName = "Overlong two-byte NUL (C0 80)")]
    [TestCase("C1 BF", TestName = "Overlong two-byte (C1 BF)")]
    [TestCase("E0 80 80", TestName = "Overlong three-byte (E0 80 80)")]
    [TestCase("E0 9F BF", TestName = "Overlong three-byte (E0 9F BF)")]
    [TestCase("F0 80 80 80", TestName = "Overlong four-byte (F0 80 80 80)")]
    [TestCase("ED A0 80", TestName = "High surrogate (ED A0 80)")]
    [TestCase("ED BF BF", TestName = "Low surrogate (ED BF BF)")]
    [TestCase("F4 90 80 80", TestName = "Above U+10FFFF (F4 90 80 80)")]
    [TestCase("F5 80 80 80", TestName = "Lead F5")]
    [TestCase("61 F5", TestName = "Lone F5 at the end")]
    [TestCase("FF", TestName = "Byte FF")]
    [TestCase("80", TestName = "Lone continuation 80")]
    [TestCase("61 80 62", TestName = "Continuation after ASCII")]
    [TestCase("C3 A9 80", TestName = "Continuation after a whole character")]
    [TestCase("E2 82", TestName = "Truncated three-byte at the end")]
    [TestCase("F0 9F 98", TestName = "Truncated four-byte at the end")]
    [TestCase("C3", TestName = "Truncated two-byte at the end")]
    [TestCase("E2 41 AC", TestName = "ASCII inside a three-byte character")]
    [TestCase("E2 82 41", TestName = "ASCII ends a three-byte character early")]
    [TestCase("F0 9F 98 F0 9F 98 80", TestName = "A new lead inside a four-byte character")]
    public void InvalidSequences_AreRejected_AtEverySplitPoint(string hex)
    {
        var bytes = Hex(hex);
        Assert.That(Utf8.IsValid(bytes), Is.False, "the case itself is invalid");
        using (Assert.EnterMultipleScope())
        {
            foreach (var withEmpty in new[] { false, true })
            {
                foreach (var split in AllSplits(bytes, withEmpty))
                {
                    Assert.That(Accepts(split), Is.False, $"pieces {string.Join(" | ", split.Select(Convert.ToHexString))}");
                }
            }

            Assert.That(Accepts(bytes, []), Is.False, "followed by an empty final piece");
        }
    }

    [Test]
    public void AMessageEndingInsideACharacter_IsRejectedOnlyAtTheFinalPiece()
    {
        var validator = default(Utf8StreamValidator);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(validator.Append(Hex("61 E2 82"), final: false), Is.True, "the character may still be completed");
            Assert.That(validator.Append([], final: true), Is.False, "the message ended inside it");
        }
    }

    [Test]
    public void AnIncompleteCharacter_IsCarriedOverEmptyPieces()
    {
        var validator = default(Utf8StreamValidator);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(validator.Append(Hex("F0"), final: false), Is.True);
            Assert.That(validator.Append([], final: false), Is.True);
            Assert.That(validator.Append(Hex("9F"), final: false), Is.True);
            Assert.That(validator.Append([], final: false), Is.True);
            Assert.That(validator.Append(Hex("98"), final: false), Is.True);
            Assert.That(validator.Append(Hex("80 61"), final: true), Is.True);
        }
    }

    /// <summary>
    /// Random byte strings of up to 10 bytes, made of whole characters of every length and of invalid or truncated
    /// sequences, cut every possible way: the validator agrees with <see cref="Utf8.IsValid"/> on the whole.
    /// </summary>
    [Test]
    public void RandomSequences_AgreeWithTheWholeMessageCheck_HoweverTheyAreCut()
    {
        byte[][] characters = [.. SampleCharacters.Select(Encoding.UTF8.GetBytes)];
        byte[][] invalid = [[0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xE0, 0x80], [0xE0, 0xA0], [0xED, 0xA0, 0x80], [0xEF, 0xBF], [0xF0, 0x8F], [0xF0, 0x9F, 0x98], [0xF4, 0x90], [0xF5], [0xFF]];
        var random = new Random(6455);
        var validMultiByte = 0;
        var checkedSplits = 0;
        for (var n = 0; n < 3000; n++)
        {
            var bytes = new List<byte>();
            while (bytes.Count < 10 && random.Next(8) != 0)
            {
                bytes.AddRange(random.Next(6) == 0 ? invalid[random.Next(invalid.Length)] : characters[random.Next(characters.Length)]);
            }

            var message = bytes.Take(10).ToArray();
            var expected = Utf8.IsValid(message);
            validMultiByte += expected && message.Any(b => b >= 0x80) ? 1 : 0;
            foreach (var split in AllSplits(message, withEmptyPieces: (n & 1) == 1))
            {
                checkedSplits++;
                if (Accepts(split) != expected)
                {
                    Assert.Fail($"{Convert.ToHexString(message)} cut as {string.Join(" | ", split.Select(Convert.ToHexString))}: expected {(expected ? "accepted" : "rejected")}");
                }
            }
        }

        TestContext.Out.WriteLine($"{checkedSplits} splits checked, {validMultiByte} of 3000 sequences valid with multi-byte characters");
        Assert.That(validMultiByte, Is.GreaterThan(300), "the sample includes valid multi-byte text, not only rejections");
    }
}
