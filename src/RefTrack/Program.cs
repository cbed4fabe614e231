using Microsoft.AspNetCore.Diagnostics;
using RefTrack.Auth;
using RefTrack.Campaigns;
using RefTrack.Conversions;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Links;
using RefTrack.Participants;
using RefTrack.Reports;
using RefTrack.Rewards;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
if (!ListeningAddress.IsConfigured(builder.Configuration))
{
    builder.WebHost.UseUrls(ListeningAddress.Default);
}

builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);

// Order matters for hosted services: the database is migrated before anything else starts.
builder.Services.AddRefTrackData(builder.Configuration);
builder.Services.AddRefTrackAuth();
builder.Services.AddRefTrackLinks();
builder.Services.AddRefTrackApi();
builder.Services.AddRefTrackProxyHeaders(builder.Configuration);

var app = builder.Build();

// Outermost: the redirect endpoint short-circuits at routing, so a handler after routing would never see its
// failures (a bare 500 without a body, in Production; Development's exception page hid it).
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    // A client's bad request is answered by BadRequestHandler (an IExceptionHandler): it is not an error of ours to log.
    // (Asking for BadHttpRequestException alone logged an unknown charset, which the handler answers 415, as an
    // unhandled error: found by review.) Everything else, 503s included, is logged.
    SuppressDiagnosticsCallback = c => c.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,
    StatusCodeSelector = StatusCodeProblemTypes.ForException, // 503 for a database that is down or busy.
    ExceptionHandler = StatusCodeProblemTypes.WriteAsync, // After logging; JSON whatever the client accepts.
});
app.UseRefTrackProxyHeaders(); // Before routing: everything after sees the visitor's address.
// Explicit, so that routing comes after the forwarded headers: the redirect endpoint short-circuits at routing.
app.UseRouting();
app.UseStatusCodePages(StatusCodeProblemTypes.WriteAsync);
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi();
app.MapScalarApiReference("/docs");
app.MapHealthChecks("/healthz");

// Every route below reaches the database, so each can answer 503 while it is down or busy: the document says so.
var routes = app.MapGroup("").ProducesServiceUnavailable();
routes.MapRedirects();
routes.MapApiKeys();
routes.MapCampaigns();
routes.MapParticipants();
routes.MapCodes();
routes.MapRewardRules();
routes.MapConversions();
routes.MapRewards();
routes.MapStats();
routes.MapMaintenance();

app.Run();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
