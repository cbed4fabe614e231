using Microsoft.AspNetCore.Http.HttpResults;

namespace RefTrack.Infrastructure;

/// <summary>
/// Every error is a ProblemDetails body with a stable <c>type</c>; clients switch on it, not on the title text.
/// </summary>
public static class Problems
{
    public const string TypePrefix = "https://reftrack.dev/problems/";

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: 404, title: $"{what} not found.", type: TypePrefix + "not-found");

    public static ProblemHttpResult Conflict(string slug, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: 409, title: title, detail: detail, type: TypePrefix + slug);

    public static ProblemHttpResult Unprocessable(string slug, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: 422, title: title, detail: detail, type: TypePrefix + slug);

    /// <summary>The key may not do this: what the authorization's refusal answers, and an admin write whose key was
    /// revoked while its request was under way (<see cref="Auth.AdminWrites"/>).</summary>
    public static ProblemHttpResult Forbidden() =>
        TypedResults.Problem(statusCode: 403, title: "This API key may not do that.",
            detail: "Managing API keys and campaigns and running maintenance need an admin key for all campaigns.",
            type: TypePrefix + "forbidden");

    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.", type: TypePrefix + "validation");

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });
}
