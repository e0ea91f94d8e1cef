using Microsoft.Extensions.Options;

namespace SocketIo.Server.Hosting;

/// <summary>Checks <see cref="SocketIoOptions"/> when the host starts (<c>ValidateOnStart</c>), with every problem named.</summary>
internal sealed class SocketIoOptionsValidator : IValidateOptions<SocketIoOptions>
{
    public ValidateOptionsResult Validate(string? name, SocketIoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetErrors();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
