namespace SocketIo.Server.EngineIo;

/// <summary>A refused request (Node: engine <c>connection_error</c> event <c>{req, code, message, context}</c>).</summary>
public sealed class EngineIoConnectionError
{
    internal EngineIoConnectionError(EngineIoRequest request, EngineIoErrorCode code, string message, IReadOnlyDictionary<string, object?> context)
    {
        Request = request;
        Code = code;
        Message = message;
        Context = context;
    }

    /// <summary>The refused request.</summary>
    public EngineIoRequest Request { get; }

    /// <summary>The error code.</summary>
    public EngineIoErrorCode Code { get; }

    /// <summary>The error message (the reference's text for the code).</summary>
    public string Message { get; }

    /// <summary>Details, with the reference's keys (<c>transport</c>, <c>sid</c>, <c>name</c>, <c>method</c>, <c>protocol</c>…).</summary>
    public IReadOnlyDictionary<string, object?> Context { get; }
}
