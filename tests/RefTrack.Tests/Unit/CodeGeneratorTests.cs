using RefTrack.Links;

namespace RefTrack.Tests.Unit;

public sealed class CodeGeneratorTests
{
    [Fact]
    public void Alphabet_has_31_distinct_unambiguous_symbols()
    {
        Assert.Equal(31, CodeGenerator.Alphabet.Length);
        Assert.Equal(CodeGenerator.Alphabet.Length, CodeGenerator.Alphabet.Distinct().Count());
        foreach (var confusable in new[] { '0', 'O', 'o', '1', 'I', 'i', 'L', 'l' })
        {
            Assert.DoesNotContain(confusable, CodeGenerator.Alphabet);
        }

        Assert.All(CodeGenerator.Alphabet, c => Assert.True(char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c), $"'{c}'"));
    }

    [Fact]
    public void New_code_is_eight_characters_from_the_alphabet()
    {
        Assert.Equal(8, CodeGenerator.Length);
        for (var i = 0; i < 200; i++)
        {
            var code = CodeGenerator.NewCode();
            Assert.Equal(8, code.Length);
            Assert.All(code, c => Assert.Contains(c, CodeGenerator.Alphabet));
        }
    }

    [Fact]
    public void Many_codes_are_distinct_and_use_the_whole_alphabet()
    {
        var codes = Enumerable.Range(0, 2000).Select(_ => CodeGenerator.NewCode()).ToList();

        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        var used = codes.SelectMany(c => c).ToHashSet();
        Assert.Equal(CodeGenerator.Alphabet.ToHashSet(), used);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("ABC")]
    [InlineData("a-b")]
    [InlineData("a_b")]
    [InlineData("---")]
    [InlineData("Summer_Sale-2026")]
    [InlineData("0O1IL")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // 32
    public void Vanity_accepts_3_to_32_letters_digits_dash_underscore(string code)
    {
        Assert.True(CodeGenerator.IsValidVanity(code));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33
    [InlineData("a b")]
    [InlineData("abc!")]
    [InlineData("abc.def")]
    [InlineData("a/b/c")]
    [InlineData("abç")]
    [InlineData("日本語")]
    [InlineData("١٢٣")] // Arabic-Indic digits are not ASCII digits
    [InlineData(" abc")]
    [InlineData("abc ")]
    public void Vanity_rejects_other_lengths_and_characters(string code)
    {
        Assert.False(CodeGenerator.IsValidVanity(code));
    }

    [Fact]
    public void Vanity_rejects_trailing_newline()
    {
        Assert.False(CodeGenerator.IsValidVanity("abc\n"));
        Assert.False(CodeGenerator.IsValidVanity("abcdefghijklmnopqrstuvwxyz012345\n"));
    }
}
