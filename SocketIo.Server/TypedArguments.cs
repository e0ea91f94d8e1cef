using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SocketIo.Server;

/// <summary>
/// Binds a received event's arguments to a typed handler's parameters (with <see cref="SocketIoOptions.JsonSerializerSettings"/>)
/// and validates them (DataAnnotations attributes and <see cref="IValidatableObject"/>). What is wrong is described
/// without the values, so that it can be logged and sent back.
/// </summary>
internal static class TypedArguments
{
    /// <summary>Binds argument <paramref name="index"/>; on failure adds to <paramref name="errors"/> and returns default.</summary>
    public static T? Bind<T>(SocketIoEvent e, int index, ref List<string>? errors)
    {
        var args = e.Args;
        if (index >= args.Count || args[index].Type == JTokenType.Undefined)
        {
            if (!AcceptsNull<T>.Value)
            {
                (errors ??= []).Add($"argument {index} is missing");
            }

            return default;
        }

        var token = args[index];
        if (token.Type == JTokenType.Null)
        {
            if (!AcceptsNull<T>.Value)
            {
                (errors ??= []).Add($"argument {index} must not be null");
            }

            return default;
        }

        T? value;
        try
        {
            value = BindBinary<T>(token, out var bound) ? bound : e.Socket.Server.Json.ToObject<T>(token);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Newtonsoft's message quotes the value: it stays out of the answer and the log.
            (errors ??= []).Add($"argument {index} is not a valid {typeof(T).Name}");
            return default;
        }

        if (value is not null && Validation<T>.Needed)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                errors ??= [];
                foreach (var result in results)
                {
                    errors.Add($"argument {index}: {result.ErrorMessage}");
                }
            }
        }

        return value;
    }

    private static bool BindBinary<T>(JToken token, out T? value)
    {
        // Binary attachments arrive as Bytes tokens; ReadOnlyMemory<byte> is not something Newtonsoft reads.
        if (typeof(T) == typeof(ReadOnlyMemory<byte>) && token.Type == JTokenType.Bytes)
        {
            value = (T)(object)new ReadOnlyMemory<byte>((byte[])((JValue)token).Value!);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Whether a missing or null argument binds (to null): only for <see cref="Nullable{T}"/> and raw JSON
    /// (<see cref="JToken"/>) parameters. A reference type's nullability is not known at run time, so a typed handler
    /// of <c>ChatMessage</c> never sees null; a handler that takes optional arguments reads them from the raw event.
    /// </summary>
    private static class AcceptsNull<T>
    {
        public static readonly bool Value = Nullable.GetUnderlyingType(typeof(T)) is not null || typeof(JToken).IsAssignableFrom(typeof(T));
    }

    /// <summary>
    /// Whether values of <typeparamref name="T"/> can fail validation at all, worked out once per type: most event
    /// types have no rules, and those skip the validator (and its reflection) on every message.
    /// </summary>
    private static class Validation<T>
    {
        public static readonly bool Needed = HasRules(typeof(T));

        private static bool HasRules(Type type)
        {
            if (type.IsPrimitive || type == typeof(string) || type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) || typeof(JToken).IsAssignableFrom(type))
            {
                return false;
            }

            if (typeof(IValidatableObject).IsAssignableFrom(type) || type.IsDefined(typeof(ValidationAttribute), inherit: true))
            {
                return true;
            }

            return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Any(p => p.IsDefined(typeof(ValidationAttribute), inherit: true));
        }
    }
}
