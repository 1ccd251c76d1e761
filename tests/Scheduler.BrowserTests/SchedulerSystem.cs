using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Scheduler.TestSupport;
using static Scheduler.TestSupport.Requests;

namespace Scheduler.BrowserTests;

/// <summary>
/// One Scheduler started by ./run.sh (one silo, one front end, fresh database) and one headless Debian
/// chromium, shared by the browser tests. Screenshots and run.sh's output land in <see cref="Artifacts"/>.
/// </summary>
public sealed class SchedulerSystem : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/lib/chromium/chromium";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(240);

    private readonly FreshDatabase _database = FreshDatabase.Named("browser");
    private RunSh? _runSh;
    private IPlaywright? _playwright;

    public Uri BaseAddress { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Where the product's mail goes (its SCHEDULER_SMTP): what a user would find in their inbox.</summary>
    public SmtpSink Mail { get; } = new();
    public string Artifacts { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Artifacts);
        var (siloPort, gatewayPort, webPort) = FreePorts.Pairs();
        BaseAddress = new Uri($"http://127.0.0.1:{webPort}");
        _runSh = RunSh.Start(new Dictionary<string, string>
        {
            ["SCHEDULER_DB"] = _database.ConnectionString,
            ["SCHEDULER_CLUSTER_ID"] = $"browser-{Guid.NewGuid():N}"[..20],
            ["SCHEDULER_SKIP_BUILD"] = "1",
            ["SCHEDULER_SILO_PORT"] = siloPort.ToString(),
            ["SCHEDULER_GATEWAY_PORT"] = gatewayPort.ToString(),
            ["SCHEDULER_URLS"] = BaseAddress.ToString().TrimEnd('/'),
            ["SCHEDULER_SMTP"] = Mail.Address,
            // The suite signs up many organizers (and asks for reset mails) from one address within a
            // minute; RateLimitTests check the limit itself.
            ["RateLimits__SignUpPerIp"] = "100",
        });
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        // The browser starts while the cluster comes up.
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: run ./test.sh (scripts/prereqs.sh installs Debian's chromium).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        Assertions.SetDefaultExpectTimeout(15_000);

        await _runSh.WaitUntilUp(StartLimit);
    }

    /// <summary>A fresh browser context (own storage) whose clock shows the given zone.</summary>
    public Task<IBrowserContext> NewContext(string timeZone = "America/New_York") =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            TimezoneId = timeZone,
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
        });

    /// <summary>A new page of the context, signed in on the dashboard with the live connection up.</summary>
    public static async Task<IPage> SignedInDashboard(IBrowserContext context, string email, string password)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard");
        await page.FillAsync("#sign-in-email", email);
        await page.FillAsync("#sign-in-password", password);
        await page.ClickAsync("#sign-in-submit");
        await Assertions.Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "connected");
        return page;
    }

    public Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, $"{name}.png"), FullPage = true });

    public sealed record Organizer(string Name, string Email, string Password, string Token, Guid EventTypeId);

    /// <summary>
    /// An organizer with a 30-minute "Intro call", weekdays 09:00–17:00 in Berlin; with
    /// <paramref name="verified"/>, the mailed verification link followed (only verified organizers'
    /// bookers are mailed).
    /// </summary>
    public async Task<Organizer> NewOrganizer(string name = "Olga Organizer", bool verified = false)
    {
        var email = $"organizer-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery";
        await Expect(HttpStatusCode.Created, await Http.PostAsJsonAsync("/api/users", new { name, email, password, timeZone = "Europe/Berlin" }));
        if (verified)
        {
            var link = (await Mail.WaitForMailsTo(email, which: m => m.VerificationToken is not null)).Single();
            await Expect(HttpStatusCode.OK, await Http.PostAsJsonAsync("/api/auth/verify-email", new { token = link.VerificationToken }));
        }
        var token = (await Expect(HttpStatusCode.OK, await Http.PostAsJsonAsync("/api/auth/token", new { email, password })))["accessToken"]!.GetValue<string>();
        var weekdays = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" }
            .Select(day => new { dayOfWeek = day, startTime = "09:00", endTime = "17:00" });
        await Expect(HttpStatusCode.OK, await Http.SendAsync(Authorized(HttpMethod.Put, "/api/availability", token, weekdays)));
        var eventType = await Expect(HttpStatusCode.Created, await Http.SendAsync(Authorized(HttpMethod.Post, "/api/event-types", token,
            new { title = "Intro call", description = "Thirty minutes to get to know each other.", durationMinutes = 30, location = "Video call" })));
        return new Organizer(name, email, password, token, eventType["id"]!.GetValue<Guid>());
    }

    /// <summary>
    /// History from before this run: <paramref name="count"/> ended bookings of the organizer's "Intro
    /// call", one a day at 10:00 UTC going back from yesterday (booker "Past booker 1" yesterday,
    /// "Past booker 2" the day before, …), the most recent one cancelled by its booker with the reason
    /// "Flu". Written into the tables as an earlier version of the product left them: it only ever books
    /// ahead, and a browser test cannot wait for its bookings to end (the API's own past listing is
    /// tested with the silos' clock moved, PastBookingsTests).
    /// </summary>
    public async Task AddPastBookings(Organizer organizer, int count)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(_database.ConnectionString);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task Run(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection, transaction);
            command.Parameters.Add(new() { Value = organizer.Email.ToLowerInvariant() });
            command.Parameters.Add(new() { Value = organizer.EventTypeId });
            command.Parameters.Add(new() { Value = count });
            await command.ExecuteNonQueryAsync();
        }
        await Run("""
            create temporary table past on commit drop as
            select n, gen_random_uuid() as booker, gen_random_uuid() as event, gen_random_uuid() as booking,
                   'past-' || n || '-' || md5(random()::text) || '@example.com' as email,
                   date_trunc('day', now()) - make_interval(days => n) + interval '10 hours' as s,
                   (select id from users where email_normalized = $1) as organizer, $2::uuid as type
            from generate_series(1, $3) as n
            """);
        await Run("""
            insert into users (id, name, email, time_zone, created_at, updated_at, has_password, email_normalized)
            select booker, 'Past booker ' || n, email, 'UTC', s - interval '1 day', s - interval '1 day', false, email from past
            """);
        await Run("""
            insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
            select event, type, organizer, 'Intro call', 'Thirty minutes to get to know each other.', s, s + interval '30 minutes',
                   'Video call', s - interval '1 day', s - interval '1 day' from past
            """);
        await Run("""
            insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time, created_at, updated_at,
                                  name, email, cancellation_reason, cancelled_by, manage_token_hash)
            select booking, event, booker, organizer, type, case when n = 1 then 'Cancelled' else 'Confirmed' end,
                   s, s + interval '30 minutes', s - interval '1 day', s - interval '1 day',
                   'Past booker ' || n, email, case when n = 1 then 'Flu' end, case when n = 1 then 'booker' end,
                   substring(sha256(booking::text::bytea) from 1 for 16) from past
            """);
        await transaction.CommitAsync();
    }

    /// <summary>Books through the API, as another visitor would.</summary>
    public async Task<HttpResponseMessage> BookThroughApi(Guid eventTypeId, string start, string name) =>
        await Http.PostAsJsonAsync("/api/bookings", new { eventTypeId, start, name, email = $"api-{Guid.NewGuid():N}@example.com" });

    public async Task<JsonNode> Get(string path, string token) =>
        await Expect(HttpStatusCode.OK, await Http.SendAsync(Authorized(HttpMethod.Get, path, token)));

    /// <summary>A weekday three weeks ahead: bookable in Berlin and, at 10:00, in New York.</summary>
    public static DateOnly FutureWeekday()
    {
        var date = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddDays(21);
        while (date.DayOfWeek != DayOfWeek.Wednesday) date = date.AddDays(1);
        return date;
    }


    public static async Task<JsonNode> Expect(HttpStatusCode expected, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body) ?? throw new InvalidOperationException("empty body");
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_runSh is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(Artifacts, "run.sh.log"), _runSh.Output);
            await _runSh.DisposeAsync();
        }
        await _database.DisposeAsync();
        await Mail.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SchedulerSystemCollection : ICollectionFixture<SchedulerSystem>
{
    public const string Name = "scheduler system";
}
