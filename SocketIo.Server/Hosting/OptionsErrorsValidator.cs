using Microsoft.Extensions.Options;

namespace SocketIo.Server.Hosting;

/// <summary>
/// Checks an options class when the host starts (<c>ValidateOnStart</c>) through its own list of problems, so that
/// every problem is named at once.
/// </summary>
internal sealed class OptionsErrorsValidator<TOptions>(Func<TOptions, List<string>> errorsOf) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = errorsOf(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
