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
    [InlineData("José@Bücher.Example", "josé@xn--bcher-kva.example")]
    [InlineData("josé@XN--BCHER-KVA.example", "josé@xn--bcher-kva.example")]
    [InlineData("jdoe+ref@münchen.de", "jdoe@xn--mnchen-3ya.de")]
    public void Normalizes(string input, string expected)
    {
        Assert.Equal(expected, EmailNormalizer.Normalize(input));
    }

    /// <summary>
    /// Forms RFC 5321/5322 give one mailbox that a mailer delivers to it: the domain as a fully qualified name (its
    /// root's trailing dot) and the local part as a quoted string. A self-referral written so got through before.
    /// </summary>
    [Theory]
    [InlineData("alice@gmail.com.", "alice@gmail.com")]
    [InlineData("\"alice\"@gmail.com", "alice@gmail.com")]
    [InlineData("\"A.lice+ref\"@GMail.com.", "alice@gmail.com")]
    [InlineData("jdoe@Example.com.", "jdoe@example.com")]
    [InlineData("josé@bücher.example.", "josé@xn--bcher-kva.example")]
    [InlineData("josé@bücher.example\u3002", "josé@xn--bcher-kva.example")]
    [InlineData("\"j\\\"d\"@example.com", "j\"d@example.com")]
    [InlineData("\"j doe\"@example.com", "j doe@example.com")]
    [InlineData("\"j doe\"@bücher.example", "j doe@xn--bcher-kva.example")]
    [InlineData("\"\\\"jd\\\"\"@example.com.", "jd@example.com")]
    public void Fully_qualified_domains_and_quoted_local_parts_fold_to_the_plain_form(string input, string expected)
    {
        Assert.Equal(expected, EmailNormalizer.Normalize(input));
        // The fold leaves its own output as it is: a stored value reads the same (Stored). Typed in, an output whose
        // local part left its quotes with a space or a quote in it is no address: unquoted, those are refused.
        Assert.Equal(expected, EmailNormalizer.Stored(expected));
        Assert.Equal(expected.IndexOfAny([' ', '"']) < 0 ? expected : null, EmailNormalizer.Normalize(expected));
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

    /// <summary>Look-alikes of gmail.com that IDNA (UTS #46) maps to it, so a mailer delivers them there.</summary>
    [Theory]
    [InlineData("ab@gmail\u3002com")] // ideographic full stop
    [InlineData("ab@gmail\uFF0Ecom")] // full-width full stop
    [InlineData("ab@\uFF47\uFF4D\uFF41\uFF49\uFF4C.com")] // full-width letters
    [InlineData("ab@\uFF27\uFF2D\uFF21\uFF29\uFF2C\uFF0E\uFF43\uFF4F\uFF4D")] // full-width capitals and dot
    [InlineData("ab@gm\u00ADail.com")] // soft hyphen, deleted by IDNA
    [InlineData("ab@g\u200Bmail\uFEFF.com")] // zero-width space, byte order mark
    [InlineData("a.b+x@GOOGLEMAIL.COM")]
    public void Look_alikes_of_a_domain_fold_to_it(string email)
    {
        Assert.Equal("ab@gmail.com", EmailNormalizer.Normalize(email));
    }

    /// <summary>A referrer's address stored before the look-alikes were mapped (full-width gmail.com kept as its
    /// punycode) is folded again when read, as the new participant's is.</summary>
    [Fact]
    public void A_stored_punycode_look_alike_is_folded_again()
    {
        Assert.Equal("ab@gmail.com", EmailNormalizer.Stored("ab@xn--mi7clahmc.com"));
        Assert.Equal("josé@xn--bcher-kva.example", EmailNormalizer.Stored("josé@xn--bcher-kva.example"));
        Assert.Equal("jdoe@gmail.com", EmailNormalizer.Stored("jdoe@gmail.com"));
    }

    [Fact]
    public void An_internationalised_domain_and_its_ascii_form_normalize_the_same()
    {
        Assert.Equal(EmailNormalizer.Normalize("josé@bücher.example"), EmailNormalizer.Normalize("josé@xn--bcher-kva.example"));
        Assert.Equal(EmailNormalizer.Normalize("J.Doe@BÜCHER.example"), EmailNormalizer.Normalize("j.doe@xn--bcher-kva.example"));
        Assert.NotEqual(EmailNormalizer.Normalize("jdoe@bücher.example"), EmailNormalizer.Normalize("jdoe@bucher.example"));
    }

    [Fact]
    public void A_domain_with_no_ascii_form_is_not_an_address()
    {
        Assert.Null(EmailNormalizer.Normalize("jdoe@bücher..example"));
        Assert.Null(EmailNormalizer.Normalize("jdoe@.bücher.example"));
        Assert.Null(EmailNormalizer.Normalize($"jdoe@{new string('ü', 64)}.example"));
        Assert.Null(EmailNormalizer.Normalize($"jdoe@{string.Join('.', Enumerable.Repeat("bücher", 30))}.example"));
    }

    [Fact]
    public void An_ascii_domain_that_is_no_domain_name_is_not_an_address_either()
    {
        // The same rules as for a domain with letters beyond ASCII (above): "b@example..org" was accepted, while
        // "b@bücher..example" was refused.
        Assert.Null(EmailNormalizer.Normalize("jdoe@example..org"));
        Assert.Null(EmailNormalizer.Normalize("jdoe@.example.org"));
        // A fully qualified name has one root's dot; a second is an empty label, in ASCII as beyond it.
        Assert.Null(EmailNormalizer.Normalize("jdoe@example.org.."));
        Assert.Null(EmailNormalizer.Normalize("jdoe@bücher.example.."));
        Assert.Null(EmailNormalizer.Normalize($"jdoe@{new string('a', 64)}.example"));
        Assert.Null(EmailNormalizer.Normalize($"jdoe@{string.Join('.', Enumerable.Repeat("bucher", 37))}.example"));
        // The longest label and name DNS carries are addresses, and so is a fully qualified name (its root's dot).
        Assert.Equal($"jdoe@{new string('a', 63)}.example", EmailNormalizer.Normalize($"jdoe@{new string('a', 63)}.example"));
        var longest = string.Join('.', Enumerable.Repeat(new string('b', 62), 4)) + ".c"; // 4 × 63 + 1 = 253
        Assert.Equal(253, longest.Length);
        Assert.Equal($"j@{longest}", EmailNormalizer.Normalize($"j@{longest}"));
        Assert.Equal("jdoe@example.org", EmailNormalizer.Normalize("jdoe@example.org."));
    }

    [Fact]
    public void An_address_longer_than_its_column_in_ascii_form_is_not_an_address()
    {
        var email = new string('a', 299) + "@bücherbücher.example";
        Assert.Equal(EmailNormalizer.MaxLength, email.Length);

        Assert.Null(EmailNormalizer.Normalize(email));
        // An ASCII address of that length is its own form.
        var ascii = new string('a', 299) + "@bucherbucher.example";
        Assert.Equal(EmailNormalizer.MaxLength, ascii.Length);
        Assert.Equal(ascii, EmailNormalizer.Normalize(ascii));
    }

    [Fact]
    public void A_stored_value_from_before_domains_were_mapped_reads_in_todays_form()
    {
        Assert.Equal("josé@xn--bcher-kva.example", EmailNormalizer.Stored("josé@bücher.example"));
        Assert.Equal("josé@xn--bcher-kva.example", EmailNormalizer.Stored("josé@xn--bcher-kva.example"));
        Assert.Equal("jdoe@gmail.com", EmailNormalizer.Stored("jdoe@gmail.com"));
        // Stored before the fully qualified and quoted forms were folded.
        Assert.Equal("alice@gmail.com", EmailNormalizer.Stored("alice@gmail.com."));
        // Stored before any domain was checked: the new address may not end in two dots, the old row still folds.
        Assert.Equal("alice@gmail.com", EmailNormalizer.Stored("alice@gmail.com.."));
        Assert.Equal("alice@gmail.com", EmailNormalizer.Stored("\"alice\"@gmail.com"));
        Assert.Null(EmailNormalizer.Stored(null));
    }

    /// <summary>"ß" folds to "ss" as the look-alikes do, but it is a letter of real domains (IDNA2008 keeps it).</summary>
    [Fact]
    public void A_domain_with_a_sharp_s_is_an_address()
    {
        Assert.NotNull(EmailNormalizer.Normalize("anna@straße.de"));
        Assert.NotEqual(EmailNormalizer.Normalize("anna@strasse.de"), EmailNormalizer.Normalize("anna@straße.de"));
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
    [InlineData("jdoe@.")]
    [InlineData("\"\"@example.com")]
    // What mail software reads as alice@gmail.com, folded to other mailboxes past the self-referral check (review).
    [InlineData("Alice <a.lice+x@gmail.com>")]
    [InlineData("a.lice @gmail.com")]
    [InlineData("alice@gmail .com")]
    [InlineData("alice(x)@gmail.com")]
    [InlineData("bob,alice@gmail.com")]
    [InlineData("bob@alice@gmail.com")]
    [InlineData("jdoe@[192.0.2.1]")]
    [InlineData("jdoe@exa_mple.com")]
    // Compatibility letters IDNA maps to the letters they imitate (a mailer delivers them to gmail.com).
    [InlineData("alice@\u24D6mail.com")] // circled g
    [InlineData("alice@\U0001D420mail.com")] // mathematical bold g
    [InlineData("alice@\u210Amail.com")] // script small g
    [InlineData("alice@\u1D4Dmail.com")] // modifier letter small g
    [InlineData("alice@\uFB01nance.example")] // the "fi" ligature
    [InlineData("alice@gm\u00AAil.com")] // feminine ordinal indicator, IDNA's "a"
    [InlineData("alice@gmai\u02E1.com")] // modifier letter small l
    [InlineData("alice@g\u3383il.com")] // square mA
    [InlineData("alice@\U0001F130mail.com")] // squared Latin capital A
    [InlineData("alice@gmail\u2024com")] // one dot leader, IDNA's "."
    [InlineData("\"alice\".\"x\"@gmail.com")] // two quoted strings: not one local part
    public void Not_an_address_gives_null(string? input)
    {
        Assert.Null(EmailNormalizer.Normalize(input));
    }
}
