using System.Data.Common;

namespace Scheduler.Storage;

/// <summary>
/// Storage errors never cross a grain boundary as themselves (Npgsql's exceptions have no Orleans
/// codec, so a caller would see a 500): they become "unknown — retry" (503 at the API).
/// </summary>
public static class Db
{
    public static async Task<T> Read<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException { Source: "Npgsql" })
        {
            throw new RetryLaterException("The database could not be read; retry shortly.");
        }
    }
}
