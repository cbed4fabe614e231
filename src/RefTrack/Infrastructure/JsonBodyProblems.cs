namespace RefTrack.Infrastructure;

public static class JsonBodyProblems
{
    /// <summary>
    /// Declares the problems of an endpoint that reads a JSON body beyond its own: 413 for a body over
    /// <see cref="ApiServices.MaxRequestBodyBytes"/> and 415 for one not sent as JSON (both typed by
    /// <see cref="StatusCodeProblemTypes"/>); its 400s come with its own results.
    /// </summary>
    public static RouteHandlerBuilder ReadsJsonBody(this RouteHandlerBuilder endpoint) =>
        endpoint
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
