using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using RefTrack.Infrastructure;

namespace RefTrack.Auth;

public static class AuthServices
{
    public static IServiceCollection AddRefTrackAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Caller.AdminPolicy, p => p.RequireClaim(Caller.AdminClaim, "true")
                .AddRequirements(new ActiveAdminKeyRequirement()));
        services.AddMemoryCache();
        services.AddOptions<MemoryCacheOptions>().Configure<TimeProvider>((o, time) => o.Clock = new ElapsedTimeClock(time));
        services.AddSingleton<ApiKeyCache>();
        services.AddHostedService<ApiKeyBootstrap>();
        return services;
    }
}
