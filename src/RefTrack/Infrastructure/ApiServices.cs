using System.Text.Json.Serialization;
using RefTrack.Conversions;
using RefTrack.Participants;
using RefTrack.Reports;
using RefTrack.Rewards;

namespace RefTrack.Infrastructure;

public static class ApiServices
{
    /// <summary>
    /// The largest request body the service reads: 64 KiB, some thirty times the largest valid request (a campaign with
    /// a 2,048-character destination), where Kestrel's default let a client make it read and parse 30 MB of JSON per
    /// request. Past it: 413 <c>payload-too-large</c> (<see cref="StatusCodeProblemTypes"/>).
    /// </summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    /// <summary>JSON, errors, OpenAPI, health, and the per-request services of the referral flow.</summary>
    public static IServiceCollection AddRefTrackApi(this IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(MicrosecondClock.Instance);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(
            o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
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
            o.AddSchemaTransformer<PageLimitSchema>();
            o.AddDocumentTransformer<RequiredRequestFields>();
            o.AddOperationTransformer(ResponseHeaders.LocationOnCreated);
        });
        // Bounded: a database that does not answer within it is Unhealthy, rather than a probe held for the
        // connection's command timeout (30 s on PostgreSQL) while the balancer's own probe gives up.
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", timeout: DatabaseHealthCheck.Timeout);
        services.AddSingleton<DatabaseFailures>();
        services.AddSingleton<RewardGranter>(); // Stateless.
        services.AddSingleton<SignupQueries>();
        services.AddSingleton<PurchaseQueries>();
        services.AddSingleton<ReportQueries>();
        services.AddOptions<RewardOptions>().BindConfiguration(RewardOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ActiveRuleCache>(); // Holds a compiled query and the cache: one per app.
        services.AddScoped<ParticipantRegistration>();
        services.AddScoped<ConversionRecorder>();
        services.AddRefTrackIdempotency();
        return services;
    }
}
