using Microsoft.EntityFrameworkCore;
using RefTrack.Auth;
using RefTrack.Campaigns;
using RefTrack.Conversions;
using RefTrack.Infrastructure;
using RefTrack.Links;
using RefTrack.Participants;
using RefTrack.Referrals;
using RefTrack.Reports;
using RefTrack.Rewards;

namespace RefTrack.Data;

/// <summary>
/// The model, shared by every provider. Each provider has a sealed subclass so that it owns its own migration set.
/// </summary>
public abstract class AppDbContext : DbContext
{
    protected AppDbContext(DbContextOptions options)
        : base(options)
    {
        // No write here relies on recovering from a failed statement inside its transaction: conflicts either end
        // the transaction (a replay returns what is stored) or are avoided with ON CONFLICT. So EF's automatic
        // savepoints around SaveChanges would be two extra round trips per save for nothing.
        Database.AutoSavepointsEnabled = false;
    }

    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<Participant> Participants => Set<Participant>();
    public DbSet<ReferralCode> ReferralCodes => Set<ReferralCode>();
    public DbSet<CodeChange> CodeChanges => Set<CodeChange>();
    public DbSet<Click> Clicks => Set<Click>();
    public DbSet<ClickVisitor> ClickVisitors => Set<ClickVisitor>();
    public DbSet<Referral> Referrals => Set<Referral>();
    public DbSet<Conversion> Conversions => Set<Conversion>();
    public DbSet<RewardRule> RewardRules => Set<RewardRule>();
    public DbSet<Reward> Rewards => Set<Reward>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<InstanceSetting> InstanceSettings => Set<InstanceSetting>();
    public DbSet<CampaignDailyStats> CampaignDailyStats => Set<CampaignDailyStats>();
    public DbSet<ParticipantDailyClicks> ParticipantDailyClicks => Set<ParticipantDailyClicks>();
    public DbSet<RewardTotals> RewardTotals => Set<RewardTotals>();
    public DbSet<ParticipantRewardTotals> ParticipantRewardTotals => Set<ParticipantRewardTotals>();

    /// <summary>Begins a transaction that will write; see <see cref="WriteTransaction"/>.</summary>
    public virtual Task<WriteTransaction> BeginWriteAsync(CancellationToken ct, System.Data.IsolationLevel? isolation = null) =>
        WriteTransaction.StartAsync(this, gate: null, isolation, ct);

    /// <summary>
    /// <paramref name="work"/> in a write transaction of its own (<see cref="BeginWriteAsync"/>), committed: on SQLite
    /// through the process's write gate, so it waits for a rollup rebuild or a click batch like every other writer
    /// instead of meeting SQLite's busy timeout and failing with a 503. Work that fails is rolled back before its
    /// exception reaches the caller, so on PostgreSQL the caller's next query does not run in an aborted transaction.
    /// </summary>
    public async Task<T> InWriteAsync<T>(
        Func<Task<T>> work, CancellationToken ct, System.Data.IsolationLevel? isolation = null)
    {
        await using var tx = await BeginWriteAsync(ct, isolation);
        var result = await work();
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary><see cref="DbContext.SaveChangesAsync(CancellationToken)"/> in a write transaction of its own
    /// (<see cref="InWriteAsync{T}"/>).</summary>
    public Task SaveInWriteAsync(CancellationToken ct) => InWriteAsync(() => SaveChangesAsync(ct), ct);

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name: readable in SQL and safe against reordering.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);

        // EF Core indexes every foreign key by convention; here each index is declared where a query or a check
        // needs it. A foreign key's index serves the check when its parent row is deleted, and some parents never
        // are (participants, rules): indexing those columns only made every signup write more index pages.
        configurationBuilder.Conventions.Remove(typeof(Microsoft.EntityFrameworkCore.Metadata.Conventions.ForeignKeyIndexConvention));
    }
}
