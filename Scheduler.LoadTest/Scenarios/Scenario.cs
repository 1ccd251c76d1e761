using HdrHistogram;
using Scheduler.LoadTest.Database;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Scenarios;

/// <summary>What every scenario gets: the target, the careful booker, the run's names and randomness.</summary>
public sealed class ScenarioContext(RunSettings settings, ITarget target, Booker booker, string runId, DateOnly firstDay)
{
    public RunSettings Settings { get; } = settings;
    public ITarget Target { get; } = target;
    public Booker Booker { get; } = booker;
    /// <summary>Fresh per run: organizer and booker emails carry it, so runs never see each other's data.</summary>
    public string RunId { get; } = runId;
    /// <summary>Slots start here (tomorrow, UTC): every one of them is in the future for the whole run.</summary>
    public DateOnly FirstDay { get; } = firstDay;
    public List<Calendar> Calendars { get; } = [];

    public async Task CreateCalendars(int count, CalendarShape shape, CancellationToken ct)
    {
        // A few at a time: setup is not what is measured, and sign-ups hash passwords (CPU).
        using var gate = new SemaphoreSlim(4);
        var created = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try { return await Target.CreateCalendar(RunId, i, shape, ct); }
            finally { gate.Release(); }
        }));
        Calendars.AddRange(created);
    }

    /// <summary>The k-th slot of a calendar on the all-day 5-minute grid.</summary>
    public DateTimeOffset GridSlot(long k, int minutes = 5) =>
        new DateTimeOffset(FirstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(k * minutes);

    /// <summary>A booking request of a new anonymous booker (a new email each), with its own Idempotency-Key.</summary>
    public BookingRequest NewBooking(Calendar calendar, DateTimeOffset start, long index) =>
        new(calendar, start, $"Booker {index}", $"booker-{RunId}-{index}@loadtest.example", $"{RunId}-{index}");
}

/// <summary>One kind of load: it sets up its organizers, then the engine calls <see cref="Step"/> per request.</summary>
public abstract class Scenario(ScenarioContext context)
{
    protected ScenarioContext Context { get; } = context;

    public abstract string Name { get; }

    public abstract Task Setup(CancellationToken ct);

    public abstract Task<RequestResult> Step(long index, CancellationToken ct);

    /// <summary>After the last request: e.g. wait for pushes still on their way.</summary>
    public virtual Task Finish(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Latencies measured beside the requests' own (e.g. 201 → push).</summary>
    public virtual IReadOnlyDictionary<string, HistogramBase> ExtraLatencies => new Dictionary<string, HistogramBase>();

    /// <summary>Violations the scenario saw itself (e.g. pushes that never came).</summary>
    public virtual IReadOnlyList<string> Violations => [];

    protected async Task<RequestResult> Book(Calendar calendar, DateTimeOffset start, long index, CancellationToken ct) =>
        (await Context.Booker.Book(Context.NewBooking(calendar, start, index), ct)).Result;

    public static readonly string[] Names = ["hot-calendar", "hot-slot", "many-calendars", "browse", "live"];

    public static Scenario Create(string name, ScenarioContext context) => name switch
    {
        "hot-calendar" => new HotCalendar(context),
        "hot-slot" => new HotSlot(context),
        "many-calendars" => new ManyCalendars(context),
        "browse" => new Browse(context),
        "live" => new Live(context),
        _ => throw new ArgumentException($"unknown scenario '{name}'; one of {string.Join(", ", Names)}"),
    };
}

/// <summary>N bookers book distinct slots of one organizer as fast as they can (a class opening).</summary>
public sealed class HotCalendar(ScenarioContext context) : Scenario(context)
{
    public override string Name => "hot-calendar";

    public override async Task Setup(CancellationToken ct)
    {
        await Context.CreateCalendars(1, CalendarShape.AllDayFiveMinutes, ct);
        if (Context.Settings.History is not { } history) return;
        if (Context.Settings.Db is not { } db || Context.Settings.Target != TargetKind.Product)
            throw new InvalidOperationException("--history writes into the product's tables: it needs --db and the product target");
        var calendar = Context.Calendars[0];
        await HistorySeed.Write(db, calendar, history.Past, history.Future, Context.FirstDay, Context.RunId, ct);
        // The calendar notices and reloads on its next commit (a 503 the booker retries).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (result, _) = await Context.Booker.Book(HistorySeed.Touch(calendar, Context.FirstDay, Context.RunId), ct);
        if (result.Outcome != Outcome.Accepted)
            throw new InvalidOperationException($"the first booking after writing the history was not accepted: {result.Outcome} {result.Status} {result.Detail}");
        HistoryNote = $"history: {history.Past} past and {history.Future} future bookings written; the first booking after it " +
            $"(the calendar reloading them) answered in {watch.ElapsedMilliseconds} ms after {result.Retries} retr{(result.Retries == 1 ? "y" : "ies")}";
    }

    /// <summary>What <c>--history</c> wrote, for the console.</summary>
    public string? HistoryNote { get; private set; }

    public override Task<RequestResult> Step(long index, CancellationToken ct) =>
        Book(Context.Calendars[0], Context.GridSlot(index), index, ct);
}

/// <summary>N bookers race for one slot: exactly one may win.</summary>
public sealed class HotSlot(ScenarioContext context) : Scenario(context)
{
    public override string Name => "hot-slot";

    public override Task Setup(CancellationToken ct) => Context.CreateCalendars(1, CalendarShape.AllDayFiveMinutes, ct);

    public override Task<RequestResult> Step(long index, CancellationToken ct) =>
        Book(Context.Calendars[0], Context.GridSlot(12 * 10), index, ct);
}

/// <summary>Bookings spread round-robin over M organizers, distinct slots in each.</summary>
public sealed class ManyCalendars(ScenarioContext context) : Scenario(context)
{
    public override string Name => "many-calendars";

    public override Task Setup(CancellationToken ct) =>
        Context.CreateCalendars(Context.Settings.Organizers, CalendarShape.AllDayFiveMinutes, ct);

    public override Task<RequestResult> Step(long index, CancellationToken ct)
    {
        var organizers = Context.Calendars.Count;
        return Book(Context.Calendars[(int)(index % organizers)], Context.GridSlot(index / organizers), index, ct);
    }
}
