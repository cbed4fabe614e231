using Microsoft.AspNetCore.Http;
using RefTrack.Infrastructure;

namespace RefTrack.Tests.Unit;

/// <summary>
/// The framework's JSON reader reports a charset it does not know as an <see cref="InvalidOperationException"/> over
/// an <see cref="ArgumentException"/>: the client's fault, answered 415 (ValidationTests). An exception of that shape
/// from anywhere else on a request that names a charset .NET reads (HttpClient's JSON sends <c>charset=utf-8</c>) is
/// a bug of ours: the handler leaves it to the exception handler's logged 500 (found by review: it was answered 415,
/// and not logged).
/// </summary>
public sealed class BadRequestHandlerTests
{
    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=utf-16")]
    public async Task An_exception_of_that_shape_on_a_known_charset_is_not_the_clients(string contentType)
    {
        var http = new DefaultHttpContext();
        http.Request.ContentType = contentType;
        var bug = new InvalidOperationException("A parameter could not be evaluated.", new ArgumentNullException("value"));

        Assert.False(await new BadRequestHandler().TryHandleAsync(http, bug, CancellationToken.None));
    }
}
