namespace RefTrack.Infrastructure;

public static class IdempotencyServices
{
    /// <summary><c>Idempotency-Key</c>: the claims of requests, the retention of their records, and the sweep that
    /// deletes expired ones.</summary>
    public static IServiceCollection AddRefTrackIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<IdempotencyClaims>();
        services.AddScoped<HeldIdempotencyKey>();
        services.AddSingleton<IdempotencySweep>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencySweep>());
        return services;
    }
}
