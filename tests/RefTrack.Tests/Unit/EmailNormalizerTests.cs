using RefTrack.Participants;

namespace RefTrack.Tests.Unit;

public sealed class EmailNormalizerTests
{
    [Theory]
    [InlineData("John@Example.COM", "john@example.com")]
    [InlineData("  jane@example.com\t", "jane@example.com")]
    [InlineData("J.Doe@Example.com", "j.doe@example.com")]
    [InlineData("j.doe@gmail.com", "jdoe@gmail.com")]
    [InlineData("j.d.o.e@Gmail.com", "jdoe@gmail.com")]
    [InlineData("jdoe+ref@example.com", "jdoe@example.com")]
    [InlineData("j.doe+ref+more@outlook.com", "j.doe@outlook.com")]
    [InlineData("jdoe@googlemail.com", "jdoe@gmail.com")]
    [InlineData("J.Doe+ref@GoogleMail.com", "jdoe@gmail.com")]
    [InlineData("j.doe@mail.gmail.com", "j.doe@mail.gmail.com")]
    [InlineData("j.doe@gmail.co", "j.doe@gmail.co")]
    public void Normalizes(string input, string expected)
    {
        Assert.Equal(expected, EmailNormalizer.Normalize(input));
    }

    [Fact]
    public void Gmail_variants_of_one_mailbox_normalize_the_same()
    {
        var expected = EmailNormalizer.Normalize("jdoe@gmail.com");
        Assert.Equal("jdoe@gmail.com", expected);
        Assert.Equal(expected, EmailNormalizer.Normalize("J.Doe+ref@GoogleMail.com"));
        Assert.Equal(expected, EmailNormalizer.Normalize(" JDOE@GMAIL.COM "));
        Assert.Equal(expected, EmailNormalizer.Normalize("j.doe+x@gmail.com"));
    }

    [Fact]
    public void Dots_are_significant_outside_gmail()
    {
        Assert.NotEqual(EmailNormalizer.Normalize("j.doe@example.com"), EmailNormalizer.Normalize("jdoe@example.com"));
        Assert.NotEqual(EmailNormalizer.Normalize("j.doe@outlook.com"), EmailNormalizer.Normalize("jdoe@outlook.com"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("jdoe")]
    [InlineData("jdoe.example.com")]
    [InlineData("@example.com")]
    [InlineData(" @example.com")]
    [InlineData("jdoe@")]
    [InlineData("jdoe@ ")]
    [InlineData("...@gmail.com")]
    public void Not_an_address_gives_null(string? input)
    {
        Assert.Null(EmailNormalizer.Normalize(input));
    }
}
