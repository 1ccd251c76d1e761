using System.Collections.Concurrent;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.SignalR.Client;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Scenarios;

/// <summary>
/// Organizers connected to the SignalR hub while bookings spread over them; measures the time from each
/// 201 to its <c>BookingChanged</c> push on the client's own clock (one machine), and from the push's
/// <c>publishedAt</c> to its arrival. A booking acknowledged but never pushed is a violation.
/// </summary>
public sealed class Live(ScenarioContext context) : Scenario(context)
{
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset Received, DateTimeOffset PublishedAt)> _pushes = new();
    private readonly List<HubConnection> _connections = [];
    private readonly Dictionary<string, HistogramBase> _latencies = [];
    private readonly List<string> _violations = [];

    public override string Name => "live";

    public override IReadOnlyDictionary<string, HistogramBase> ExtraLatencies => _latencies;

    public override IReadOnlyList<string> Violations => _violations;

    public override async Task Setup(CancellationToken ct)
    {
        var hub = Context.Target.HubPath ?? throw new InvalidOperationException("this target has no live pushes (the baseline has none)");
        await Context.CreateCalendars(Context.Settings.Organizers, CalendarShape.AllDayFiveMinutes, ct);
        foreach (var calendar in Context.Calendars)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(Context.Settings.Url, hub), o => o.AccessTokenProvider = () => Task.FromResult(calendar.AccessToken))
                .Build();
            connection.On<JsonElement>("BookingChanged", change =>
            {
                var received = DateTimeOffset.UtcNow;
                if (change.GetProperty("kind").GetString() != "created") return;
                var id = change.GetProperty("booking").GetProperty("id").GetGuid();
                _pushes.TryAdd(id, (received, change.GetProperty("publishedAt").GetDateTimeOffset()));
            });
            await connection.StartAsync(ct);
            _connections.Add(connection);
        }
    }

    public override Task<RequestResult> Step(long index, CancellationToken ct)
    {
        var organizers = Context.Calendars.Count;
        return Book(Context.Calendars[(int)(index % organizers)], Context.GridSlot(index / organizers), index, ct);
    }

    public override async Task Finish(CancellationToken ct)
    {
        var accepted = Context.Booker.Ledger.Where(r => r.Outcome == Outcome.Accepted).ToList();
        var settling = System.Diagnostics.Stopwatch.StartNew(); // bounds the wait; measures nothing
        while (accepted.Any(r => !_pushes.ContainsKey(r.Response!.Id!.Value)) && settling.Elapsed < Context.Settings.SettleTimeout)
            await Task.Delay(200, ct);

        var afterAck = RunStats.NewHistogram();
        var afterPublish = RunStats.NewHistogram();
        var early = 0;
        foreach (var record in accepted)
        {
            if (!_pushes.TryGetValue(record.Response!.Id!.Value, out var push)) continue;
            var sinceAck = push.Received - record.AnsweredAt;
            if (sinceAck < TimeSpan.Zero) early++;
            afterAck.RecordValue(Math.Max(1, sinceAck.Ticks / 10));
            afterPublish.RecordValue(Math.Max(1, (push.Received - push.PublishedAt).Ticks / 10));
        }
        _latencies["201 → BookingChanged"] = afterAck;
        _latencies["publishedAt → received"] = afterPublish;
        var missing = accepted.Count(r => !_pushes.ContainsKey(r.Response!.Id!.Value));
        if (missing > 0) _violations.Add($"{missing} acknowledged bookings never reached their organizer's hub connection");
        if (early > 0) Console.Error.WriteLine($"live: {early} pushes arrived before the client had read their 201 (counted as ~0 ms)");
        foreach (var connection in _connections) await connection.DisposeAsync();
    }
}
