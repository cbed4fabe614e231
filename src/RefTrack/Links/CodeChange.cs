namespace RefTrack.Links;

/// <summary>
/// A code whose redirect answer changed (disabled, enabled again, or a vanity code added where a node may have cached
/// a 404 for it), written in the change's own transaction so that every node drops the code from its cache
/// (<see cref="CodeChangeFeed"/>). Rows older than a day are pruned.
/// </summary>
public sealed class CodeChange
{
    public long Id { get; set; }

    public string Code { get; set; } = "";

    public DateTime ChangedAt { get; set; }
}
