using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Auth;

/// <summary><c>Authorization: Bearer rt_…</c>: the key is looked up by its hash and compared in constant time.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyCache keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string Bearer = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("Use 'Authorization: Bearer <api key>'.");
        }

        // Resolved only now: anonymous requests (the redirect path) never pay for a DbContext.
        var db = Context.RequestServices.GetRequiredService<AppDbContext>();
        var hash = ApiKeySecrets.Hash(header[Bearer.Length..].Trim());
        var key = await keys.FindAsync(db, hash, Context.RequestAborted);

        // The index lookup already matched; the fixed-time compare keeps the final decision free of timing leaks.
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.SecretHash, hash))
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        List<Claim> claims = [new(Caller.KeyIdClaim, key.Id.ToString())];
        if (key.CampaignId is { } campaign)
        {
            claims.Add(new Claim(Caller.CampaignClaim, campaign.ToString()));
        }

        if (key.IsAdmin)
        {
            claims.Add(new Claim(Caller.AdminClaim, "true"));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // RFC 6750 3.1: a token that was sent and refused is named as such; a request without one gets the bare scheme.
        string? sent = Request.Headers.Authorization;
        Response.Headers.WWWAuthenticate = sent?.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) == true
            ? "Bearer error=\"invalid_token\""
            : "Bearer";
        return WriteProblem(StatusCodes.Status401Unauthorized, "unauthorized",
            "A valid API key is required.", "Send 'Authorization: Bearer <api key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Forbidden().ExecuteAsync(Context);

    /// <summary>As every endpoint's problems are written (<see cref="TypedResults.Problem(ProblemDetails)"/>): the problem
    /// details service alone throws for a request whose <c>Accept</c> excludes JSON (<c>text/plain</c>), which made a
    /// missing key a 500.</summary>
    private Task WriteProblem(int status, string slug, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status, Title = title, Detail = detail, Type = Problems.TypePrefix + slug,
        }).ExecuteAsync(Context);
}
