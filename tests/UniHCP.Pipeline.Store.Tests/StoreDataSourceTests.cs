using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Tests;

/// <summary>The store's sessions: JIT compilation off (search by example paid ~200 ms of it on a 2 ms query), unless
/// the operator's connection string sets it.</summary>
public sealed class StoreDataSourceTests
{
    [Fact]
    public async Task Sessions_run_without_jit()
    {
        await using var dataSource = StoreDataSource.Create(new StoreOptions { ConnectionString = TestDatabase.ServerConnectionString() });
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal("off", await connection.ExecuteScalarAsync<string>("show jit"));
        Assert.Equal("unihcp", await connection.ExecuteScalarAsync<string>("select current_setting('application_name')"));
    }

    [Fact]
    public async Task An_operator_choice_of_jit_and_other_options_is_kept()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString()) { Options = "-c jit=on -c work_mem=8MB" };
        await using var dataSource = StoreDataSource.Create(new StoreOptions { ConnectionString = builder.ConnectionString });
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal("on", await connection.ExecuteScalarAsync<string>("show jit"));
        Assert.Equal("8MB", await connection.ExecuteScalarAsync<string>("show work_mem"));

        builder.Options = "-c work_mem=8MB";
        await using var other = StoreDataSource.Create(new StoreOptions { ConnectionString = builder.ConnectionString });
        await using var second = await other.OpenConnectionAsync();
        Assert.Equal("off", await second.ExecuteScalarAsync<string>("show jit"));
        Assert.Equal("8MB", await second.ExecuteScalarAsync<string>("show work_mem"));
    }

    [Fact]
    public async Task Repeated_statements_are_prepared_unless_the_connection_string_says_otherwise()
    {
        Assert.Equal(1, await PreparedAfterRepeatsAsync(TestDatabase.ServerConnectionString()));

        var builder = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString()) { MaxAutoPrepare = 0 };
        Assert.Equal(0, await PreparedAfterRepeatsAsync(builder.ConnectionString));
    }

    // Runs one parameterised statement ten times on one connection; how many of the connection's prepared statements
    // are that statement.
    private static async Task<long> PreparedAfterRepeatsAsync(string connectionString)
    {
        await using var dataSource = StoreDataSource.Create(new StoreOptions { ConnectionString = connectionString });
        await using var connection = await dataSource.OpenConnectionAsync();
        for (int i = 0; i < 10; i++)
            Assert.Equal(i + 1, await connection.ExecuteScalarAsync<int>("select @i::int + 1 as repeated_probe", new { i }));
        return await connection.ExecuteScalarAsync<long>("select count(*) from pg_prepared_statements where statement like '%repeated_probe%' and statement not like '%pg_prepared_statements%'");
    }
}
