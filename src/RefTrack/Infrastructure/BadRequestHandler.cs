using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace RefTrack.Infrastructure;

/// <summary>
/// A body that is not JSON of the expected shape, or a query value of the wrong type, is a client error like any
/// other: 400 with the RefTrack validation type and the offending field, in every environment.
/// </summary>
/// <remarks>Written as every endpoint's problems are (<see cref="TypedResults.Problem(ProblemDetails)"/>): the problem
/// details service writes nothing for a request whose <c>Accept</c> excludes JSON (<c>text/plain</c>), and the
/// status alone, with an empty body, said nothing of what was wrong.</remarks>
internal sealed partial class BadRequestHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (IsUnknownCharset(http, exception))
        {
            return await UnsupportedCharsetAsync(http);
        }

        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var (field, message) = Describe(bad);
        await TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode == StatusCodes.Status400BadRequest
                ? "One or more fields are invalid."
                : "The request cannot be read.",
            Type = Problems.TypePrefix + "validation",
        }).ExecuteAsync(http);
        return true;
    }

    /// <summary>ASP.NET's JSON body reader throws an <see cref="InvalidOperationException"/> (over the
    /// <see cref="ArgumentException"/> of <c>Encoding.GetEncoding</c>) for a <c>charset</c> it does not know
    /// (<c>application/json; charset=foo</c>), which would otherwise be a 500.</summary>
    private static bool IsUnknownCharset(HttpContext http, Exception exception) =>
        exception is InvalidOperationException { InnerException: ArgumentException } &&
        MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.Charset.HasValue &&
        !IsKnownEncoding(type.Charset.Value!);

    /// <summary>Whether .NET reads this charset: only a charset it does not know is the client's fault. Any other
    /// exception of that shape (an <see cref="ArgumentNullException"/> wrapped by EF Core, say, on a request that
    /// names <c>charset=utf-8</c>, as HttpClient's JSON does) is a bug of ours, to be logged as one and answered 500
    /// (found by review: it was answered 415, and since 12-07 not logged).</summary>
    private static bool IsKnownEncoding(string charset)
    {
        try
        {
            System.Text.Encoding.GetEncoding(charset.Trim('"'));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async ValueTask<bool> UnsupportedCharsetAsync(HttpContext http)
    {
        await TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status415UnsupportedMediaType,
            Title = "Unsupported media type.",
            Detail = "The body's charset is not one this service can read; send JSON as UTF-8.",
            Type = Problems.TypePrefix + "unsupported-media-type",
        }).ExecuteAsync(http);
        return true;
    }

    private static (string Field, string Message) Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            // System.Text.Json wraps its reader's exception (a JsonException of its own) when the text is not JSON
            // (cut short, a stray character): that is the body's fault, not the field it stopped in ("name" for
            // `{"name": `). A value the field cannot take ("12.50" for a number, 1e20 for an int, a malformed GUID
            // or date) wraps the converter's InvalidOperationException or FormatException instead: the field's.
            if (json.InnerException is JsonException)
            {
                return ("body", "The request body is not valid JSON.");
            }

            // JSON of the wrong shape: "$.amount" → "amount"; "$" (or no path) is the body as a whole (`[]`, a string).
            var path = json.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
            return path is null
                ? ("body", "The request body must be a JSON object.")
                : (path, "This value has the wrong type or format.");
        }

        if (BindFailure().Match(bad.Message) is { Success: true } bind)
        {
            return (bind.Groups["name"].Value, $"'{bind.Groups["value"].Value}' is not a valid value.");
        }

        return ("body", bad.StatusCode == StatusCodes.Status400BadRequest
            ? "A JSON body of the documented shape is required."
            : bad.Message);
    }

    // Minimal APIs: Failed to bind parameter "int? limit" from "ten". The value is written as sent, quotes included
    // (`?limit="10"` gives from ""10""), so it runs to the message's last quote.
    [GeneratedRegex("""Failed to bind parameter "[^"]* (?<name>\w+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();
}
