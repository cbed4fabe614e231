using System.Text.Json.Serialization;
using RefTrack.Conversions;
using RefTrack.Participants;
using RefTrack.Rewards;

namespace RefTrack.Infrastructure;

public static class ApiServices
{
    /// <summary>JSON, errors, OpenAPI, health, and the per-request services of the referral flow.</summary>
    public static IServiceCollection AddRefTrackApi(this IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(MicrosecondClock.Instance);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            // The web defaults read numbers from strings too ("4999" as an amount), which the OpenAPI document then
            // shows as integer-or-string for every count and amount. Numbers are numbers.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = StatusCodeProblemTypes.Apply);
        services.AddExceptionHandler<BadRequestHandler>();
        // Bad requests always reach BadRequestHandler (by default only Development throws).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<BearerSecurityScheme>();
            o.AddSchemaTransformer<EnumNamesSchema>();
            o.AddDocumentTransformer<RequiredRequestFields>();
            o.AddOperationTransformer(ResponseHeaders.LocationOnCreated);
        });
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        services.AddSingleton<RewardGranter>(); // Stateless.
        services.AddSingleton<SignupQueries>();
        services.AddSingleton<PurchaseQueries>();
        services.AddOptions<RewardOptions>().BindConfiguration(RewardOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ActiveRuleCache>(); // Holds a compiled query and the cache: one per app.
        services.AddScoped<ParticipantRegistration>();
        services.AddScoped<ConversionRecorder>();
        services.AddRefTrackIdempotency();
        return services;
    }
}
