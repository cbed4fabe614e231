// The ceilings RefTrack is measured against, served by the same Kestrel and runtime settings (Web SDK, workstation GC):
//   GET  /r/{code}  a 302 with a Set-Cookie and nothing else (no lookup, no click, no id).
//   POST /write     the request body as one row, INSERTed in its own write transaction, committed durably:
//                   SQLite in WAL with synchronous=FULL and busy_timeout (RefTrack's defaults), or the same
//                   PostgreSQL server RefTrack uses (default synchronous_commit=on).
// Settings (command line or environment): Ceiling:Provider=sqlite|postgres|none, Ceiling:Path (SQLite file),
// Ceiling:ConnectionString (PostgreSQL), Ceiling:SqliteWriters=serialized|concurrent, --urls.
using Microsoft.Data.Sqlite;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders(); // Nothing but the endpoints: no request logging, no console output.
var config = builder.Configuration.GetSection("Ceiling");
var provider = (config["Provider"] ?? "sqlite").ToUpperInvariant();
IRowWriter? writer = provider switch
{
    "NONE" => null, // redirect ceiling only
    "SQLITE" => new SqliteRowWriter(
        config["Path"] ?? throw new InvalidOperationException("Ceiling:Path is required for sqlite."),
        !string.Equals(config["SqliteWriters"], "concurrent", StringComparison.OrdinalIgnoreCase)),
    "POSTGRES" => new PostgresRowWriter(
        config["ConnectionString"] ?? throw new InvalidOperationException("Ceiling:ConnectionString is required for postgres.")),
    _ => throw new InvalidOperationException($"Unknown Ceiling:Provider '{provider}'."),
};
if (writer is not null)
{
    await writer.InitialiseAsync();
    builder.Services.AddSingleton(writer);
}

var app = builder.Build();

app.MapGet("/healthz", () => Results.Ok());

app.MapGet("/r/{code}", (string code, HttpContext http) =>
{
    _ = code;
    http.Response.Cookies.Append("rt_did", "0123456789abcdef0123456789abcdef", new CookieOptions
    {
        HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365),
    });
    return Results.Redirect("https://example.com/signup");
});

if (writer is not null)
{
    app.MapPost("/write", async (HttpRequest request, IRowWriter rows, CancellationToken ct) =>
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(ct);
        await rows.WriteAsync(body, ct);
        return Results.StatusCode(StatusCodes.Status201Created);
    });
    app.MapGet("/rows", async (IRowWriter rows) => Results.Ok(await rows.CountAsync()));
}

await app.RunAsync();

internal interface IRowWriter
{
    Task InitialiseAsync();

    Task WriteAsync(string payload, CancellationToken ct);

    Task<long> CountAsync();
}

/// <summary>
/// One row per transaction: BEGIN IMMEDIATE, INSERT, COMMIT, on a pooled connection with RefTrack's pragmas.
/// Serialized (the default) lets one request write at a time, in process; that is the fastest SQLite allows,
/// because its writers exclude each other anyway and busy_timeout makes waiting writers sleep and poll.
/// </summary>
internal sealed class SqliteRowWriter(string path, bool serialized) : IRowWriter
{
    private const string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;";
    private readonly string _connectionString =
        new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task InitialiseAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS "Writes" ("Id" TEXT NOT NULL PRIMARY KEY, "Payload" TEXT NOT NULL, "CreatedAt" TEXT NOT NULL);
            """;
        await command.ExecuteNonQueryAsync();
    }

    public async Task WriteAsync(string payload, CancellationToken ct)
    {
        if (!serialized)
        {
            await InsertAsync(payload, ct);
            return;
        }

        await _gate.WaitAsync(ct);
        try
        {
            await InsertAsync(payload, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long> CountAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM "Writes";""";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task InsertAsync(string payload, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """INSERT INTO "Writes" ("Id", "Payload", "CreatedAt") VALUES ($id, $payload, $at);""";
        command.Parameters.AddWithValue("$id", Guid.CreateVersion7().ToString("D").ToUpperInvariant());
        command.Parameters.AddWithValue("$payload", payload);
        command.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(ct);
        return connection;
    }
}

/// <summary>One row per transaction on the same PostgreSQL server (its own database), pooled like RefTrack and with
/// RefTrack's defaults on top of the harness's connection string (statements prepared automatically, no reset of a
/// connection returned to the pool: RefTrack's <c>DataServices.PostgresConnectionString</c>).</summary>
internal sealed class PostgresRowWriter(string connectionString) : IRowWriter
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, NoResetOnClose = true }.ToString());

    public async Task InitialiseAsync()
    {
        await using var command = _source.CreateCommand("""
            CREATE TABLE IF NOT EXISTS "Writes" ("Id" uuid NOT NULL PRIMARY KEY, "Payload" text NOT NULL, "CreatedAt" timestamptz NOT NULL);
            """);
        await command.ExecuteNonQueryAsync();
    }

    public async Task WriteAsync(string payload, CancellationToken ct)
    {
        await using var connection = await _source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = new NpgsqlCommand(
            """INSERT INTO "Writes" ("Id", "Payload", "CreatedAt") VALUES ($1, $2, $3)""", connection, transaction);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(payload);
        command.Parameters.AddWithValue(DateTime.UtcNow);
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<long> CountAsync()
    {
        await using var command = _source.CreateCommand("""SELECT COUNT(*) FROM "Writes" """);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
