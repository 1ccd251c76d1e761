using System.Data;
using Npgsql;

namespace Scheduler.Database.Tests;

/// <summary>
/// Runs a query from the orleansquery table the way the Orleans ADO.NET providers do: the stored text
/// as is, un-prefixed parameter names with an explicit DbType, NULLs as typed DBNull, no transaction.
/// </summary>
public sealed class StoredQueries(string connectionString)
{
    public async Task<List<Dictionary<string, object?>>> RunAsync(string key, params (string Name, DbType Type, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        string text;
        await using (var lookup = new NpgsqlCommand("select querytext from orleansquery where querykey = @key", connection))
        {
            lookup.Parameters.AddWithValue("key", key);
            text = (string?)await lookup.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No query {key}.");
        }

        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, type, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { ParameterName = name, DbType = type, Value = value ?? DBNull.Value });
        }

        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }
                rows.Add(row);
            }
        }
        while (await reader.NextResultAsync());
        return rows;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
