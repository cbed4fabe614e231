using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>
/// Problems the framework writes by itself carry RefTrack's type too, as docs/api.md promises ("switch on type").
/// UseStatusCodePages answers a bare status with the RFC 9110 section's address as the type: 404 when no route
/// matches, e.g. a malformed id that misses a <c>{x:guid}</c> constraint, or a handler's bodiless
/// <c>NotFound</c>; 405 for a path that exists with another method; 413 for a body over the limit (the endpoint's
/// body reader sets the status when Kestrel refuses to read on), and 400 or 408 for a body Kestrel could not read;
/// 415 for a body that is not declared JSON. The
/// exception handler's 500 and 503 go through the same customisation. Problems that name a type of their own keep it.
/// </summary>
internal static class StatusCodeProblemTypes
{
    private const string FrameworkTypePrefix = "https://tools.ietf.org/";

    public static void Apply(ProblemDetailsContext context) =>
        Apply(context.ProblemDetails, context.HttpContext.Response.StatusCode);

    /// <summary>
    /// UseStatusCodePages' answer, written as every endpoint's problems are (<see cref="TypedResults.Problem(ProblemDetails)"/>):
    /// its default handler asks the problem details service alone, which writes nothing for a request whose
    /// <c>Accept</c> excludes JSON (<c>text/plain</c>), and then answers "Status Code: 404; Not Found" as text, with
    /// no type to switch on.
    /// </summary>
    public static Task WriteAsync(StatusCodeContext context) => WriteAsync(context.HttpContext);

    /// <summary>Seconds a client waits before retrying after a 503: a database that restarts or fails over, or a
    /// SQLite file another process holds, is back within seconds, or needs an operator.</summary>
    public const string RetryAfterSeconds = "5";

    /// <summary>
    /// The exception handler's status: 503 when the database, or the way to it, was unavailable, busy or short of room
    /// (<see cref="DbErrors.IsTransient"/>: the same request may pass when sent again), so that a client can tell an
    /// outage from a bug; 500 for anything else. A request's bad input is <see cref="BadHttpRequestException"/>'s own
    /// status, as the handler's default would answer it.
    /// </summary>
    public static int ForException(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when DbErrors.IsTransient(exception) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The same for the exception handler's 500 and 503 (<c>ExceptionHandlerOptions.ExceptionHandler</c>):
    /// without it the handler asks the problem details service alone, and a client whose <c>Accept</c> excludes JSON
    /// got a bare 500. A 503 says when to retry.</summary>
    public static Task WriteAsync(HttpContext http)
    {
        var problem = new ProblemDetails { Status = http.Response.StatusCode };
        Apply(problem, http.Response.StatusCode);
        if (http.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            // A write's failure only: a read that timed out (a report past statement_timeout) says nothing of
            // whether writes pass, and would raise a monitor's alarm for 30 s.
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) &&
                http.Features.Get<IExceptionHandlerFeature>()?.Error is { } error)
            {
                http.RequestServices.GetRequiredService<DatabaseFailures>().Record(error);
            }

            http.Response.Headers.RetryAfter = RetryAfterSeconds;
        }

        return TypedResults.Problem(problem).ExecuteAsync(http);
    }

    private static void Apply(ProblemDetails problem, int responseStatus)
    {
        if (problem.Type is not null && !problem.Type.StartsWith(FrameworkTypePrefix, StringComparison.Ordinal))
        {
            return;
        }

        var slug = (problem.Status ?? responseStatus) switch
        {
            // The endpoint's body reader sets these when Kestrel stops reading a body: a malformed chunked encoding
            // (400), a body sent slower than Kestrel's minimum rate (408). They were the RFC's types, without the errors docs/api.md promises for every 400.
            StatusCodes.Status400BadRequest => "validation",
            StatusCodes.Status408RequestTimeout => "request-timeout",
            StatusCodes.Status404NotFound => "not-found",
            StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
            StatusCodes.Status413PayloadTooLarge => "payload-too-large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
            StatusCodes.Status500InternalServerError => "internal-error", // The exception handler's answers.
            StatusCodes.Status503ServiceUnavailable => "service-unavailable",
            _ => null,
        };
        if (slug is not null)
        {
            problem.Type = Problems.TypePrefix + slug;
        }

        if (slug == "validation")
        {
            problem.Title = "The request cannot be read.";
            problem.Detail ??= "The body is not well-formed HTTP (a malformed chunked encoding, say).";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { ["body"] = ["The body could not be read."] };
        }
        else if (slug == "request-timeout")
        {
            problem.Detail ??= "The body arrived too slowly: send it at 240 bytes a second or more (after a 5 s grace period).";
        }
        else if (slug == "unsupported-media-type")
        {
            // Typically curl -d without -H 'Content-Type: application/json' (it sends a form type).
            problem.Detail ??= "Send the body as JSON, with Content-Type: application/json.";
        }
        else if (slug == "service-unavailable")
        {
            problem.Detail ??= "The database is unavailable or busy. Retry after the time in Retry-After.";
        }
        else if (slug == "payload-too-large")
        {
            problem.Detail ??= $"At most {ApiServices.MaxRequestBodyBytes} bytes.";
        }
    }
}
