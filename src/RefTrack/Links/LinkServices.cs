using Microsoft.Extensions.Options;

namespace RefTrack.Links;

public static class LinkServices
{
    public static IServiceCollection AddRefTrackLinks(this IServiceCollection services)
    {
        services.AddOptions<LinkOptions>().BindConfiguration(LinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LinkOptions>, CookieDomainValidation>();
        services.AddOptions<PublicUrlOptions>().BindConfiguration(PublicUrlOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClickHasher>();
        services.AddSingleton<RedirectCookies>();
        services.AddSingleton<CodeResolver>();
        services.AddSingleton<UnknownCodeLimiter>();
        services.AddSingleton<ClickWriter>();
        services.AddHostedService<LinkStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ClickWriter>());
        services.AddHostedService<CodeChangeFeed>();
        return services;
    }
}
