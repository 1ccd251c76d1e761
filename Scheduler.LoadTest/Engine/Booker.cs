using System.Collections.Concurrent;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Engine;

/// <summary>What the load tester was told about one booking request: the audit's "expected" side.</summary>
public sealed record BookingRecord(BookingRequest Request, Outcome Outcome, BookingResponse? Response, DateTimeOffset AnsweredAt);

/// <summary>
/// Books like a careful client: on 503 or a transport error it retries with the same Idempotency-Key
/// (after Retry-After, else a short pause), so the server can answer with the truth of the first try.
/// Every final answer goes into the ledger the audit checks.
/// </summary>
public sealed class Booker(ITarget target, int retries, TimeProvider clock)
{
    public ConcurrentQueue<BookingRecord> Ledger { get; } = new();

    public async Task<(RequestResult Result, BookingRecord Record)> Book(BookingRequest request, CancellationToken ct)
    {
        var attempt = 0;
        while (true)
        {
            BookingResponse? response = null;
            string? failure = null;
            try
            {
                response = await target.Book(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
            {
                failure = e is TaskCanceledException ? "timeout" : "transport: " + e.GetBaseException().Message;
            }
            var retryable = failure is not null || response!.Status is 503 or 502 or 504;
            if (retryable && attempt < retries)
            {
                attempt++;
                var pause = response?.RetryAfter is { } after && after > TimeSpan.Zero ? after : TimeSpan.FromMilliseconds(100 * attempt);
                await Task.Delay(pause > TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : pause, ct);
                continue;
            }
            var outcome = failure is not null ? Outcome.Error : Classify(response!);
            var detail = failure ?? (response!.ProblemType is { } type ? $"{response.Status} {type}" : response.Status.ToString());
            var record = new BookingRecord(request, outcome, response, clock.GetUtcNow());
            Ledger.Enqueue(record);
            return (new RequestResult(RequestKind.Booking, outcome, attempt, response?.Status ?? 0, detail), record);
        }
    }

    public static Outcome Classify(BookingResponse response) => response.Status switch
    {
        201 when response.Id is not null => Outcome.Accepted,
        409 when response.ProblemType == "slot-unavailable" => Outcome.Refused,
        >= 400 and < 500 => Outcome.Rejected,
        _ => Outcome.Error,
    };
}
