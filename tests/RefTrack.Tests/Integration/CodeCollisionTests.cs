using System.Net;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// A generated code that is already taken (a unique violation on the code, not on the user) is retried with a new
/// code. Collisions of 8 random characters are too rare to provoke, so a PostgreSQL trigger plays the taken code:
/// it refuses the first inserts into ReferralCodes with the same error (23505) the unique index raises.
/// </summary>
public sealed class CodeCollisionTests
{
    private static async Task RefuseCodes(TestApp app, int times)
    {
        await using var connection = new Npgsql.NpgsqlConnection(app.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // A sequence counts the refusals: unlike a table, it is not rolled back with the refused transaction.
        command.CommandText = $"""
            CREATE SEQUENCE code_refusals;
            CREATE FUNCTION refuse_code() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('code_refusals') <= {times} THEN
                    RAISE EXCEPTION 'code taken' USING ERRCODE = 'unique_violation';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_code BEFORE INSERT ON "ReferralCodes" FOR EACH ROW EXECUTE FUNCTION refuse_code();
            """;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_taken_code_is_retried_with_a_new_one()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await RefuseCodes(app, times: 3);

        var user = await client.Register(campaignId, "user-a");

        Assert.Matches("^[A-Z0-9]{8}$", user.Str("referralCode"));
        Assert.Single(await client.Participants(campaignId));
    }

    [Fact]
    public async Task After_five_taken_codes_the_registration_fails_and_writes_nothing()
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await RefuseCodes(app, times: 5);

        var response = await client.PostJson($"/api/v1/campaigns/{campaignId}/participants",
            new { externalId = "user-a", email = "a@example.org" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await client.Participants(campaignId));
        Assert.Equal("user-a", (await client.Register(campaignId, "user-a")).Str("externalId")); // Codes free again.
    }
}
