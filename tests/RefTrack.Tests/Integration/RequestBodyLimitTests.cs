using System.Net;
using System.Net.Http.Json;
using System.Text;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// Request bodies are capped at <see cref="ApiServices.MaxRequestBodyBytes"/>, with or without a Content-Length. On a
/// real Kestrel node: the limit is Kestrel's, which TestServer does not apply.
/// </summary>
public sealed class RequestBodyLimitTests
{
    [Fact]
    public async Task A_body_over_the_limit_is_a_payload_too_large_problem_and_changes_nothing()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        await using var node = await RefTrackNode.StartAsync(RefTrackNode.Settings(database));
        var client = node.Client(TestApp.AdminKey);
        var tooLarge = $$"""{"name":"{{new string('n', ApiServices.MaxRequestBodyBytes)}}","destinationUrl":"https://shop.example"}""";

        // With a Content-Length, refused before the body is read.
        using var sized = new StringContent(tooLarge, Encoding.UTF8, "application/json");
        var problem = await (await client.PostAsync("/api/v1/campaigns", sized)).AssertProblem(
            HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        Assert.Equal($"At most {ApiServices.MaxRequestBodyBytes} bytes.", problem.Str("detail"));

        // Chunked, without a length: refused once the limit is read past.
        using var chunked = new ChunkedContent(Encoding.UTF8.GetBytes(tooLarge));
        await (await client.PostAsync("/api/v1/campaigns", chunked)).AssertProblem(
            HttpStatusCode.RequestEntityTooLarge, "payload-too-large");

        // Under the limit the body is read, and the field's own rule answers.
        var underLimit = await client.PostAsJsonAsync("/api/v1/campaigns",
            new { name = new string('n', ApiServices.MaxRequestBodyBytes - 1024), destinationUrl = "https://shop.example" });
        var validation = await underLimit.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["name"], FlowHelpers.ErrorFields(validation));

        Assert.Empty((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
    }

    /// <summary>JSON of no known length, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
