using Npgsql;
using RefTrack.Data;

namespace RefTrack.Tests.Unit;

public sealed class PostgresConnectionStringTests
{
    private static NpgsqlConnectionStringBuilder Effective(string given) =>
        new(DataServices.PostgresConnectionString(new DatabaseOptions { ConnectionString = given }));

    [Fact]
    public void Statements_are_prepared_automatically_and_pooled_connections_not_reset_by_default()
    {
        var effective = Effective("Host=db;Database=reftrack;Username=rt;Password=secret;Maximum Pool Size=40");
        Assert.Equal(DataServices.DefaultMaxAutoPrepare, effective.MaxAutoPrepare);
        Assert.True(effective.NoResetOnClose);
        Assert.Equal(DataServices.DefaultTcpKeepAliveSeconds, effective.TcpKeepAliveTime);
        Assert.Equal(("db", "reftrack", "rt", "secret", 40),
            (effective.Host, effective.Database, effective.Username, effective.Password, effective.MaxPoolSize));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;MaxAutoPrepare=10", 10)]
    [InlineData("host=db;max auto prepare=3", 3)]
    public void A_value_in_the_connection_string_wins(string given, int expected) =>
        Assert.Equal(expected, Effective(given).MaxAutoPrepare);

    [Theory]
    [InlineData("Host=db;Tcp Keepalive Time=0", 0)]
    [InlineData("host=db;TcpKeepAliveTime=120", 120)]
    public void A_tcp_keepalive_time_in_the_connection_string_wins(string given, int expected) =>
        Assert.Equal(expected, Effective(given).TcpKeepAliveTime);

    /// <summary>A Unix-domain socket has no TCP keepalive, and Npgsql fails a connection asked to set it on one
    /// (<c>PostgresUnixSocketTests</c> connects through one).</summary>
    [Theory]
    [InlineData("Host=/var/run/postgresql;Database=reftrack")]
    [InlineData("Host=/tmp;Port=5433")]
    [InlineData("Host=@pg-abstract")]
    [InlineData("Host=db1, /var/run/postgresql")]
    public void A_unix_socket_gets_no_tcp_keepalive(string given)
    {
        var effective = Effective(given);
        Assert.Equal(0, effective.TcpKeepAliveTime);
        Assert.DoesNotContain("keepalive", effective.ConnectionString, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DataServices.DefaultMaxAutoPrepare, effective.MaxAutoPrepare); // The other defaults still apply.
    }

    [Theory]
    [InlineData("Host=db1,db2:5433")]
    [InlineData("Host=127.0.0.1")]
    [InlineData("Host=::1")]
    public void A_tcp_host_list_gets_the_keepalive(string given) =>
        Assert.Equal(DataServices.DefaultTcpKeepAliveSeconds, Effective(given).TcpKeepAliveTime);

    [Theory]
    [InlineData("Host=db;No Reset On Close=false")]
    [InlineData("host=db;NoResetOnClose=false")]
    public void Reset_on_close_named_in_the_connection_string_wins(string given) =>
        Assert.False(Effective(given).NoResetOnClose);
}
