using System.Buffers.Text;

namespace RefTrack.Infrastructure;

/// <summary>A page of a list: <c>nextCursor</c> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>A row that lists page through by its id: a version 7 UUID, so in the order the rows were made.</summary>
public interface IPagedRow
{
    Guid Id { get; }
}

/// <summary>
/// Keyset pagination over version-7 ids (time ordered). The cursor is the last id of the page, opaque to clients.
/// </summary>
public readonly record struct PageRequest(Guid? After, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>Reads <c>?cursor=&amp;limit=</c>; problems go to <paramref name="validator"/>.</summary>
    public static PageRequest Parse(string? cursor, int? limit, Validator validator)
    {
        var page = new PageRequest(null, limit ?? DefaultLimit);
        validator.Check(limit is null or (>= 1 and <= MaxLimit), "limit", $"Between 1 and {MaxLimit}.");
        if (!string.IsNullOrEmpty(cursor))
        {
            if (Base64Url.IsValid(cursor) && Base64Url.DecodeFromChars(cursor) is { Length: 16 } bytes)
            {
                page = page with { After = new Guid(bytes, bigEndian: true) };
            }
            else
            {
                validator.Add("cursor", "Not a cursor returned by this API.");
            }
        }

        return page;
    }

    /// <summary>The rows after the cursor in id order, one more than a page holds: <see cref="ToPage"/> tells from
    /// that extra row whether there is a next page.</summary>
    public IQueryable<T> Window<T>(IQueryable<T> rows) where T : class, IPagedRow =>
        AfterCursor(rows).OrderBy(r => r.Id).Take(Limit + 1);

    /// <summary>
    /// <see cref="Window{T}(IQueryable{T})"/> for PostgreSQL, of rows whose <paramref name="pinned"/> column the caller
    /// has asked for as the range from one value to itself (<c>x &gt;= v AND x &lt;= v</c>), where an index leads
    /// with it and ends with the id: ordered by that column, then the id. The same rows in the same order, but
    /// PostgreSQL drops an ordering column only when a condition fixes it by equality, so only that index gives this
    /// order, and the cursor's id still bounds its scan. Asked for by equality and ordered by id, the page may be read
    /// by walking the primary key in id order and filtering, which PostgreSQL prices by how common it takes the value
    /// to be and as if its rows were spread evenly through the ids: a campaign whose rows all came after another's
    /// (any campaign started later) walked every row of the earlier ones for its first page, and a status rare in one
    /// campaign and common in others nearly every reward of the table (docs/benchmarks.md, Lists). A walk that has to
    /// sort every row it keeps is never priced below the index. SQLite plans by the indexes' shape alone and a range
    /// would stop the id from positioning its search: it keeps equality and <see cref="Window{T}(IQueryable{T})"/>.
    /// </summary>
    public IQueryable<T> Window<T, TKey>(IQueryable<T> rows, System.Linq.Expressions.Expression<Func<T, TKey>> pinned)
        where T : class, IPagedRow =>
        AfterCursor(rows).OrderBy(pinned).ThenBy(r => r.Id).Take(Limit + 1);

    private IQueryable<T> AfterCursor<T>(IQueryable<T> rows) where T : class, IPagedRow =>
        After is { } after ? rows.Where(r => r.Id > after) : rows;

    /// <summary><see cref="ToPage{TIn, TOut}(List{TIn}, Func{TIn, Guid}, Func{TIn, TOut})"/> for rows of
    /// <see cref="Window"/>, paged by their own id.</summary>
    public Page<TOut> ToPage<TIn, TOut>(List<TIn> rows, Func<TIn, TOut> map) where TIn : IPagedRow =>
        ToPage(rows, r => r.Id, map);

    /// <summary>Builds the page from up to Limit + 1 rows: the extra row only says there is more.</summary>
    public Page<TOut> ToPage<TIn, TOut>(List<TIn> rows, Func<TIn, Guid> id, Func<TIn, TOut> map)
    {
        var hasMore = rows.Count > Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var next = hasMore ? Base64Url.EncodeToString(id(rows[^1]).ToByteArray(bigEndian: true)) : null;
        return new Page<TOut>(rows.Select(map).ToList(), next);
    }
}
