using Microsoft.AspNetCore.OpenApi;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// Declares in the OpenAPI document the response headers that code sets by hand (<c>Retry-After</c>,
/// <c>Idempotent-Replayed</c>) or that a result writes without declaring (<c>Created</c>'s <c>Location</c>): the
/// document cannot know them otherwise, and a generated client would not read them.
/// </summary>
internal static class ResponseHeaders
{
    /// <summary>For the 429 of a rate limit: <c>Retry-After</c>, as whole seconds.</summary>
    public static Task RetryAfterOnTooManyRequests(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        RetryAfter(operation, StatusCodes.Status429TooManyRequests, "Whole seconds to wait before retrying.");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Every route reads or writes the database, so any of them answers 503 <c>service-unavailable</c> with
    /// <c>Retry-After</c> when it is down or busy (<see cref="StatusCodeProblemTypes.ForException"/>): declared on a
    /// group around them all, so that a client generated from the document knows the answer and when to retry.
    /// </summary>
    public static RouteGroupBuilder ProducesServiceUnavailable(this RouteGroupBuilder group) => group
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            RetryAfter(operation, StatusCodes.Status503ServiceUnavailable,
                $"Whole seconds to wait before retrying ({StatusCodeProblemTypes.RetryAfterSeconds}).");
            return Task.CompletedTask;
        });

    /// <summary>The redirect's whole answer is in its headers: where it leads and the two cookies.</summary>
    public static Task OnRedirect(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        Add(operation, StatusCodes.Status302Found, HeaderNames.Location,
            "The campaign's destination, with ref (the code) and rt_click (the click id) added to its query string.",
            new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri" });
        Add(operation, StatusCodes.Status302Found, HeaderNames.SetCookie,
            "rt_did (the browser's device id) and rt_click (the click id), as two Set-Cookie headers.",
            new OpenApiSchema { Type = JsonSchemaType.String });
        return Task.CompletedTask;
    }

    /// <summary>Every 201 here is a <c>Created</c> result: its <c>Location</c> is the new resource's path, which a GET
    /// reads back (a replayed 201 gives the same one).</summary>
    public static Task LocationOnCreated(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.ContainsKey("201") == true)
        {
            Add(operation, StatusCodes.Status201Created, HeaderNames.Location, "The new resource's path: a GET on it reads it back.",
                new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" });
        }

        return Task.CompletedTask;
    }

    public static void RetryAfter(OpenApiOperation operation, int status, string description) =>
        Add(operation, status, HeaderNames.RetryAfter, description,
            new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" });

    /// <summary>Adds <paramref name="name"/> to the operation's <paramref name="status"/> response, which must be
    /// declared already (<c>Produces…</c>): a header on an answer the document does not list is a mistake here.</summary>
    public static void Add(OpenApiOperation operation, int status, string name, string description, OpenApiSchema schema)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses is null || !operation.Responses.TryGetValue(key, out var found) || found is not OpenApiResponse response)
        {
            throw new InvalidOperationException($"{operation.OperationId ?? operation.Summary}: no {status} response to add {name} to.");
        }

        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = schema };
    }
}
