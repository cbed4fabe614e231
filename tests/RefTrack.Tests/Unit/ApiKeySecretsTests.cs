using RefTrack.Auth;

namespace RefTrack.Tests.Unit;

public sealed class ApiKeySecretsTests
{
    [Fact]
    public void A_generated_key_shows_its_first_ten_characters()
    {
        var secret = ApiKeySecrets.NewSecret();

        Assert.Equal(secret[..10], ApiKeySecrets.DisplayPrefix(secret));
    }

    /// <summary>A configured bootstrap key may be 24 characters chosen by hand: the list shows a quarter of it, not ten.</summary>
    [Theory]
    [InlineData("rt_walkthrough_key_0123456789abcdef", "rt_walkt")]
    [InlineData("abcdefghijklmnopqrstuvwx", "abcdef")]
    [InlineData("short", "sho")]
    public void A_short_key_shows_at_most_a_quarter_of_itself(string secret, string shown)
    {
        Assert.Equal(shown, ApiKeySecrets.DisplayPrefix(secret));
    }
}
