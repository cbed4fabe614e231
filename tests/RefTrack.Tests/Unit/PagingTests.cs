using RefTrack.Infrastructure;

namespace RefTrack.Tests.Unit;

public sealed class PagingTests
{
    private static List<Guid> Ids(int count) => Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();

    [Fact]
    public void Defaults_without_cursor_or_limit()
    {
        var v = new Validator();

        var page = PageRequest.Parse(null, null, v);

        Assert.True(v.IsValid);
        Assert.Null(page.After);
        Assert.Equal(50, page.Limit);
        Assert.Equal(PageRequest.DefaultLimit, page.Limit);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    public void Limit_bounds_are_valid(int limit)
    {
        var v = new Validator();

        var page = PageRequest.Parse(null, limit, v);

        Assert.True(v.IsValid);
        Assert.Equal(limit, page.Limit);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(201)]
    public void Limit_out_of_range_is_an_error_on_limit(int limit)
    {
        var v = new Validator();

        PageRequest.Parse(null, limit, v);

        Assert.False(v.IsValid);
        Assert.Equal(["limit"], v.Errors.Keys);
    }

    [Theory]
    [InlineData("garbage!")]
    [InlineData("not a cursor")]
    [InlineData("AAAA")] // valid base64url, 3 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")] // valid base64url, 18 bytes
    [InlineData("00000000-0000-0000-0000-000000000001")] // a Guid, but not a cursor
    public void Garbage_cursor_is_an_error_on_cursor(string cursor)
    {
        var v = new Validator();

        var page = PageRequest.Parse(cursor, 10, v);

        Assert.False(v.IsValid);
        Assert.Equal(["cursor"], v.Errors.Keys);
        Assert.Null(page.After);
    }

    [Fact]
    public void Extra_row_sets_next_cursor_and_is_dropped()
    {
        var ids = Ids(4);
        var request = new PageRequest(null, 3);

        var page = request.ToPage(ids.ToList(), id => id, id => id.ToString());

        Assert.Equal(ids.Take(3).Select(id => id.ToString()), page.Data);
        Assert.NotNull(page.NextCursor);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void At_most_limit_rows_is_the_last_page(int rows)
    {
        var page = new PageRequest(null, 3).ToPage(Ids(rows), id => id, id => id);

        Assert.Equal(rows, page.Data.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public void Cursor_round_trips_to_the_last_id_of_the_page()
    {
        var ids = Ids(6);
        var first = new PageRequest(null, 5).ToPage(ids.ToList(), id => id, id => id);

        var v = new Validator();
        var next = PageRequest.Parse(first.NextCursor, 5, v);

        Assert.True(v.IsValid);
        Assert.Equal(ids[4], next.After);
        Assert.Equal(5, next.Limit);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("00112233-4455-6677-8899-aabbccddeeff")]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff")]
    [InlineData("0195a000-1234-7abc-8def-0123456789ab")]
    public void Cursor_round_trips_any_guid(string value)
    {
        var id = Guid.Parse(value);
        var rows = new List<(Guid Id, string Name)> { (id, "a"), (Guid.NewGuid(), "b") };

        var page = new PageRequest(null, 1).ToPage(rows, r => r.Id, r => r.Name);
        var v = new Validator();
        var parsed = PageRequest.Parse(page.NextCursor, null, v);

        Assert.Equal(["a"], page.Data);
        Assert.True(v.IsValid);
        Assert.Equal(id, parsed.After);
        Assert.DoesNotContain('=', page.NextCursor!);
        Assert.DoesNotContain('+', page.NextCursor!);
        Assert.DoesNotContain('/', page.NextCursor!);
    }
}
