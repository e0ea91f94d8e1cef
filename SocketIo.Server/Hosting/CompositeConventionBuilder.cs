using Microsoft.AspNetCore.Builder;

namespace SocketIo.Server.Hosting;

/// <summary>Applies conventions (CORS, authorization…) to several endpoints of one mapping alike.</summary>
internal sealed class CompositeConventionBuilder(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
