using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Links;

// What the click writer does when a batch fails: transient failures retried, refusals written in halves, and what it
// logs (the class itself: ClickWriter.cs).
public sealed partial class ClickWriter
{
    /// <summary>
    /// Writes a batch; never throws. A row the database refuses (<see cref="DbErrors.IsRowRefusal"/>): the batch is
    /// written in halves, each in a transaction of its own, and a half that fails so again in halves, down to single
    /// clicks, so that only the clicks refused alone are lost. Any other failure, transient or not
    /// (<see cref="DbErrors.IsTransient"/>: down, busy, full; or a table missing, a permission refused), fails every
    /// click alike: it is recorded for /healthz and retried, and after the last retry the batch is given up on, as
    /// the same failure would take its halves.
    /// </summary>
    private async Task WriteWithRetryAsync(List<PendingClick> batch, bool catchUp)
    {
        if (await WriteOrRefuseAsync(batch, catchUp) is not { } refusal)
        {
            return;
        }

        if (batch.Count > 1)
        {
            LogSplitting(batch.Count, refusal.Message);
        }

        await WriteInHalvesAsync(batch, catchUp, refusal);
        if (batch.Count > 0 && _referrerRollup is { MustRecover: true })
        {
            // SQLite: the last part failed, and when no part was written (every click refused) the per-referrer sums
            // of the batches before this one are forgotten, counted again only by the next batch's recovery from the
            // clicks table. Recovered now, the rollup is as exact as after any batch: a flush waiting on this batch
            // needs that, and an idle writer would see no sums pending.
            if (await WriteOrRefuseAsync([], catchUp: true) is { } failure)
            {
                LogRollupNotRecovered(failure);
            }
        }
    }

    /// <summary>Writes <paramref name="batch"/>, retrying any failure but a row refused; returns the failure when the
    /// database refused a row, null when it is written or given up on after the retries.</summary>
    /// <remarks>A transient failure can come after the commit went through (a connection lost while the server
    /// answered it), and then the retry is refused: its clicks' ids are already there. So once an attempt has failed,
    /// a refusal or the last failure is checked against the clicks table first; found there, the batch is written,
    /// neither split nor counted lost (the refused retry changed nothing, its transaction rolled back).</remarks>
    private async Task<Exception?> WriteOrRefuseAsync(List<PendingClick> batch, bool catchUp)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await WriteBatchAsync(batch, catchUp);
                _metrics.Attempted(started, batch.Count, committed: true);
                return null;
            }
            catch (Exception e) when (DbErrors.IsRowRefusal(e))
            {
                _metrics.Attempted(started, batch.Count, committed: false);
                return attempt > 1 && await FoundWrittenAsync(batch) ? null : e;
            }
            catch (Exception e) when (attempt < 10)
            {
                _metrics.Attempted(started, batch.Count, committed: false);
                _failures.Record(e);
                LogRetry(e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception e)
            {
                _metrics.Attempted(started, batch.Count, committed: false);
                _failures.Record(e);
                if (!await FoundWrittenAsync(batch))
                {
                    _metrics.Lost(batch.Count);
                    LogDropped(e, batch.Count);
                }

                return null;
            }
        }
    }

    /// <summary>Whether every click of <paramref name="batch"/> is in the clicks table, committed by an earlier
    /// attempt: a batch is one transaction, so its clicks are there all or none. Best effort: a database that cannot
    /// answer (the failure that made the attempts fail) counts as not found, and the batch goes on as it would have.</summary>
    private async Task<bool> FoundWrittenAsync(List<PendingClick> batch)
    {
        if (batch.Count == 0)
        {
            return false;
        }

        try
        {
            var ids = batch.Select(p => p.Click.Id).ToList();
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            if (await db.Clicks.CountAsync(c => ids.Contains(c.Id)) != ids.Count)
            {
                return false;
            }
        }
        catch (Exception e)
        {
            LogNotChecked(e, batch.Count);
            return false;
        }

        _metrics.FoundWritten(batch.Count);
        LogFoundWritten(batch.Count);
        return true;
    }

    /// <summary>A batch the database refused (<paramref name="refusal"/>): its halves in order, each in a transaction
    /// of its own, so the clicks are committed in the order they came (a visitor's first click stays the unique one).
    /// A click refused alone is lost.</summary>
    private async Task WriteInHalvesAsync(List<PendingClick> batch, bool catchUp, Exception refusal)
    {
        if (batch.Count <= 1)
        {
            if (batch is [var refused])
            {
                _metrics.Lost(1);
                var click = refused.Click;
                LogRefused(refusal, click.Id, click.ReferralCodeId, click.CampaignId, refusal.Message);
            }
            else
            {
                LogRollupNotRecovered(refusal); // A batch of no clicks only writes SQLite's per-referrer sums.
            }

            return;
        }

        var half = batch.Count / 2;
        await WritePartAsync(batch.GetRange(0, half));
        await WritePartAsync(batch.GetRange(half, batch.Count - half));

        async Task WritePartAsync(List<PendingClick> part)
        {
            if (await WriteOrRefuseAsync(part, catchUp) is { } partRefusal)
            {
                await WriteInHalvesAsync(part, catchUp, partRefusal);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Writing {Count} clicks failed (attempt {Attempt}); retrying")]
    private partial void LogRetry(Exception e, int count, int attempt);

    [LoggerMessage(LogLevel.Warning,
        "{Count} clicks whose writing seemed to fail are in the database: an earlier attempt committed them")]
    private partial void LogFoundWritten(int count);

    [LoggerMessage(LogLevel.Warning, "Could not check whether {Count} clicks were committed by an earlier attempt")]
    private partial void LogNotChecked(Exception e, int count);

    [LoggerMessage(LogLevel.Error, "Writing {Count} clicks failed after retries; they are lost")]
    private partial void LogDropped(Exception e, int count);

    [LoggerMessage(LogLevel.Error,
        "The host's time to stop (shutdownTimeoutSeconds) ran out with {Count} clicks not yet written; the process ends without them ({Writing} of them were in a batch being written, which may still have committed: look them up by click id)")]
    private partial void LogStoppedUnwritten(long count, long writing);

    /// <summary>How often at most a full queue is logged while it stays full: each redirect that finds it full would
    /// otherwise log a line, thousands a second under the load that fills it.</summary>
    internal static readonly TimeSpan QueueFullWarningInterval = TimeSpan.FromSeconds(10);

    /// <summary>A redirect found the queue full: logged at most once per <see cref="QueueFullWarningInterval"/>, so a
    /// writer a whole queue behind shows in the log with its time (the counter alone says how often, not when).</summary>
    private void WarnQueueFull()
    {
        var now = _clock.GetTimestamp();
        var due = Interlocked.Read(ref _nextQueueFullWarning);
        var next = now + (long)(QueueFullWarningInterval.TotalSeconds * _clock.TimestampFrequency);
        if (now >= due && Interlocked.CompareExchange(ref _nextQueueFullWarning, next, due) == due)
        {
            LogQueueFull(_capacity, _metrics.QueueFullWaitsTotal);
        }
    }

    [LoggerMessage(LogLevel.Warning,
        "The click queue is full ({Capacity} clicks): redirects wait for the writer, which is behind ({Waits} redirects have waited since start)")]
    private partial void LogQueueFull(int capacity, long waits);

    /// <summary>What an operator (and <c>bench/run</c>, which holds it against the rows in the database) reads to know
    /// that every click this process answered was written: lost is 0. The redirects that waited for room say whether
    /// the writer ever fell behind by a whole queue (<see cref="LinkOptions.ClickQueueCapacity"/>).</summary>
    [LoggerMessage(LogLevel.Information,
        "The click writer stopped: {Written} clicks written since start, {Lost} lost; {QueueFullWaits} redirects waited for room in the queue")]
    private partial void LogStopped(long written, long lost, long queueFullWaits);

    [LoggerMessage(LogLevel.Warning,
        "The database refused a batch of {Count} clicks ({Error}); writing it in parts to lose only the clicks it refuses")]
    private partial void LogSplitting(int count, string error);

    [LoggerMessage(LogLevel.Error,
        "The database refused click {ClickId} (referral code {ReferralCodeId}, campaign {CampaignId}): {Error}; it is lost")]
    private partial void LogRefused(Exception e, Guid clickId, Guid referralCodeId, Guid campaignId, string error);

    [LoggerMessage(LogLevel.Error,
        "Writing the per-referrer click sums failed; the next batch of clicks recovers them from the clicks table")]
    private partial void LogRollupNotRecovered(Exception e);
}
