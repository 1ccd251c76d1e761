using System.Net;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Scheduler.IntegrationTests.Infrastructure;
using Scheduler.Web.Hosting;

namespace Scheduler.IntegrationTests.OpenApi;

/// <summary>
/// What a team generating a client from /openapi/v1.json relies on: a valid document (Microsoft.OpenApi's
/// reader, Redocly's recommended rules, openapi-typescript), stable operation ids, security per
/// operation, problem responses per status with their types, headers, and typed fields.
/// </summary>
public sealed class OpenApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    /// <summary>Redocly warnings we keep, each explained in README ("The API document").</summary>
    private static readonly HashSet<(string Rule, string Pointer)> AcceptedRedoclyWarnings =
    [
        // /healthz answers 200 or 503, never a 4XX; inventing one would make the document lie.
        ("operation-4xx-response", "#/paths/~1healthz/get/responses"),
        // The server URL is the one the document was fetched from: in tests (and on a developer's machine) that is localhost.
        ("no-server-example.com", "#/servers/0/url"),
    ];

    private async Task<string> DocumentText()
    {
        var response = await fixture.Anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<JsonNode> Document() => JsonNode.Parse(await DocumentText())!;

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Select(op => (path.Key, op.Key, op.Value!.AsObject())));

    private static JsonObject Operation(JsonNode document, string operationId) =>
        Operations(document).Single(o => o.Operation["operationId"]?.GetValue<string>() == operationId).Operation;

    private static JsonNode Schema(JsonNode document, string name) => document["components"]!["schemas"]![name]!;

    private static JsonNode? Resolve(JsonNode document, string reference)
    {
        Assert.StartsWith("#/", reference);
        JsonNode? node = document;
        foreach (var part in reference[2..].Split('/'))
            node = node?[part.Replace("~1", "/").Replace("~0", "~")];
        return node;
    }

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" ? [p.Value!.GetValue<string>()] : References(p.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    [Fact]
    public async Task The_openapi_document_describes_every_api_route_and_every_problem_type()
    {
        var document = await Document();
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var expected in new[]
        {
            "/api/users", "/api/auth/token", "/api/me", "/api/event-types", "/api/event-types/{id}", "/api/event-types/{id}/slots",
            "/api/availability", "/api/availability/{id}", "/api/bookings", "/api/bookings/{id}", "/api/bookings/{id}/cancel",
            "/api/bookings/{id}/confirm", "/api/events", "/api/events/{id}", "/api/notifications", "/api/notifications/unread-count",
            "/api/notifications/{id}/read", "/healthz",
        })
            Assert.Contains(expected, paths);
        var description = document["info"]!["description"]!.GetValue<string>();
        foreach (var token in Problems.Catalog.Keys)
            Assert.Contains($"`{token}`", description);
        Assert.NotNull(document["components"]!["securitySchemes"]!["Bearer"]);
    }

    [Fact]
    public async Task Microsoft_OpenApi_reads_the_document_without_a_diagnostic_and_every_reference_resolves()
    {
        var text = await DocumentText();
        var result = OpenApiDocument.Parse(text, "json");
        var diagnostics = result.Diagnostic!.Errors.Concat(result.Diagnostic.Warnings).Select(e => $"{e.Pointer}: {e.Message}").ToList();
        Assert.True(diagnostics.Count == 0, string.Join('\n', diagnostics));
        var errors = result.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())!.Select(e => $"{e.Pointer}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));

        var document = JsonNode.Parse(text)!;
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        var unresolved = References(document).Distinct().Where(r => Resolve(document, r) is null).ToList();
        Assert.True(unresolved.Count == 0, "unresolved: " + string.Join(", ", unresolved));
        Assert.Contains("#/components/schemas/ProblemDetails", References(document));
        foreach (var server in document["servers"]!.AsArray())
            Assert.False(server!["url"]!.GetValue<string>().EndsWith('/'), "server URL ends with a slash: paths would start with //");
    }

    [Fact]
    public async Task The_server_url_is_where_the_deployment_says_it_lives_whatever_Host_the_request_claims()
    {
        await using var app = await SchedulerApp.StartAsync("openapi-servers");
        app.WebSettings["SCHEDULER_PUBLIC_URL"] = "https://book.example.org/";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = "attacker.example";
        var response = await app.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var servers = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["servers"]!.AsArray();
        Assert.Equal("https://book.example.org", Assert.Single(servers)!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Redocly_recommended_rules_report_no_errors_and_only_the_warnings_we_keep()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scheduler-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await DocumentText());
        try
        {
            var outcome = await Tool.Run(Tool.NpmBin("redocly"), ["lint", file, "--extends=recommended", "--format=json"],
                Tool.NpmTools, TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });
            var json = outcome.Output[outcome.Output.IndexOf('{')..(outcome.Output.LastIndexOf('}') + 1)];
            var report = JsonNode.Parse(json)!;
            var problems = report["problems"]!.AsArray()
                .Select(p => (Rule: p!["ruleId"]!.GetValue<string>(), Severity: p["severity"]!.GetValue<string>(),
                    Pointer: p["location"]![0]!["pointer"]!.GetValue<string>(), Message: p["message"]!.GetValue<string>()))
                .ToList();
            var unexpected = problems.Where(p => p.Severity == "error" || !AcceptedRedoclyWarnings.Contains((p.Rule, p.Pointer))).ToList();
            Assert.True(unexpected.Count == 0, string.Join('\n', unexpected));
            Assert.Equal(0, report["totals"]!["errors"]!.GetValue<int>());
            Assert.Equal(0, outcome.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Openapi_typescript_generates_types_with_every_operation()
    {
        var directory = Directory.CreateTempSubdirectory("scheduler-openapi-ts-");
        try
        {
            var input = Path.Combine(directory.FullName, "v1.json");
            var output = Path.Combine(directory.FullName, "schema.d.ts");
            await File.WriteAllTextAsync(input, await DocumentText());
            var outcome = await Tool.Run(Tool.NpmBin("openapi-typescript"), [input, "-o", output], Tool.NpmTools, TimeSpan.FromMinutes(2));
            Assert.True(outcome.ExitCode == 0, outcome.ToString());
            var types = await File.ReadAllTextAsync(output);
            foreach (var id in OpenApiRoutes.Table.Values.Select(r => r.OperationId))
                Assert.Contains($"    {id}: {{", types);
            Assert.Contains("ProblemDetails: {", types);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Every_operation_has_a_stable_id_a_one_line_summary_a_description_tags_and_its_security()
    {
        var document = await Document();
        var ids = new List<string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            var id = operation["operationId"]?.GetValue<string>();
            Assert.True(id is not null && System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z][A-Za-z]+$"), $"{where}: operationId {id}");
            ids.Add(id!);
            var summary = operation["summary"]?.GetValue<string>();
            Assert.False(string.IsNullOrWhiteSpace(summary), $"{where}: no summary");
            Assert.DoesNotContain('\n', summary);
            Assert.False(string.IsNullOrWhiteSpace(operation["description"]?.GetValue<string>()), $"{where}: no description");
            Assert.NotEmpty(operation["tags"]!.AsArray());
            Assert.NotEmpty(operation["security"]!.AsArray());
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Every route in the table still exists under its id (a renamed route would silently lose its entry).
        foreach (var (route, entry) in OpenApiRoutes.Table)
        {
            var (method, path) = (route.Split(' ')[0].ToLowerInvariant(), route.Split(' ')[1]);
            Assert.Equal(entry.OperationId, document["paths"]?[path]?[method]?["operationId"]?.GetValue<string>());
        }

        string[] Schemes(string operationId) => Operation(document, operationId)["security"]!.AsArray()
            .Select(r => string.Join('+', r!.AsObject().Select(s => s.Key))).ToArray();
        Assert.Equal(["Bearer"], Schemes("listBookings"));
        Assert.Equal(["Bearer"], Schemes("createEventType"));
        Assert.Equal(["", "Bearer"], Schemes("createBooking"));
        Assert.Equal(["Bearer", "ManageToken"], Schemes("getBooking"));
        Assert.Equal(["Bearer", "ManageToken"], Schemes("cancelBooking"));
        Assert.Equal([""], Schemes("signUp"));
        Assert.Equal([""], Schemes("listSlots"));
        var manageToken = document["components"]!["securitySchemes"]!["ManageToken"]!;
        Assert.Equal(("apiKey", "query", "token"), (manageToken["type"]!.GetValue<string>(), manageToken["in"]!.GetValue<string>(), manageToken["name"]!.GetValue<string>()));
        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_error_status_is_problem_json_listing_the_problem_types_it_can_carry()
    {
        var document = await Document();
        foreach (var (path, method, operation) in Operations(document))
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            var responses = operation["responses"]!.AsObject();
            Assert.Null(responses["default"]);
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            foreach (var (status, response) in responses.Where(r => int.Parse(r.Key) >= 400))
            {
                var media = response!["content"]?["application/problem+json"];
                Assert.True(media is not null, $"{where} {status}: no application/problem+json");
                Assert.Equal("#/components/schemas/ProblemDetails", media!["schema"]!["$ref"]!.GetValue<string>());
                var types = response["x-problem-types"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
                Assert.NotEmpty(types);
                foreach (var type in types)
                {
                    var token = type[Problems.TypePrefix.Length..];
                    Assert.True(Problems.Catalog.TryGetValue(token, out var entry) && entry.Status.ToString() == status, $"{where} {status}: {type}");
                    Assert.Contains($"`{type}`", response["description"]!.GetValue<string>());
                    Assert.NotNull(media["examples"]![token]);
                }
                if (status == "503") Assert.NotNull(response["headers"]?["Retry-After"]);
            }
            if (responses["201"] is { } created) Assert.True(created["headers"]?["Location"]?["required"]?.GetValue<bool>() == true, $"{where}: 201 without Location");
            if (operation["parameters"]?.AsArray().Any(p => p!["name"]!.GetValue<string>() == "cursor") == true)
                Assert.True(responses["200"]!["headers"]?["Link"] is not null, $"{where}: paged without Link");
            if (operation["security"]!.AsArray().All(r => r!.AsObject().ContainsKey("Bearer")))
                Assert.True(responses["401"] is not null, $"{where}: bearer-only without 401");
        }

        List<string> TypesOf(string operationId, string status) => Operation(document, operationId)["responses"]![status]!["x-problem-types"]!
            .AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Equal(["/problems/slot-unavailable"], TypesOf("createBooking", "409"));
        Assert.Equal(["/problems/outside-availability", "/problems/idempotency-mismatch"], TypesOf("createBooking", "422"));
        Assert.Equal(["/problems/validation"], TypesOf("createBooking", "400"));
        Assert.Equal(["/problems/retry"], TypesOf("createBooking", "503"));
        Assert.Equal(["/problems/has-bookings"], TypesOf("deleteEventType", "409"));
        Assert.Equal(["/problems/invalid-status"], TypesOf("confirmBooking", "409"));
        Assert.Equal(["/problems/email-taken"], TypesOf("signUp", "409"));
        Assert.Equal(["/problems/invalid-credentials"], TypesOf("issueToken", "401"));
        Assert.Equal(["/problems/unauthorized"], TypesOf("listBookings", "401"));
        Assert.Equal(["/problems/not-found"], TypesOf("getBooking", "404"));
        foreach (var paged in new[] { "listBookings", "listEvents", "listNotifications" })
            Assert.NotNull(Operation(document, paged)["responses"]!["200"]!["headers"]!["Link"]);
        Assert.NotNull(Operation(document, "createBooking")["responses"]!["201"]!["headers"]!["Location"]);
        // Sign-in and a reset set the device cookie that keeps others' failures from holding this client up.
        Assert.Contains("scheduler-device", Operation(document, "issueToken")["responses"]!["200"]!["headers"]!["Set-Cookie"]!["description"]!.GetValue<string>());
        Assert.NotNull(Operation(document, "resetPassword")["responses"]!["200"]!["headers"]!["Set-Cookie"]);
    }

    [Fact]
    public async Task Schemas_say_what_the_fields_are_as_the_validation_enforces_them()
    {
        var document = await Document();
        var booking = Schema(document, "CreateBookingRequest");
        Assert.Equal(["eventTypeId", "start"], booking["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        Assert.Equal("uuid", booking["properties"]!["eventTypeId"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", booking["properties"]!["start"]!["format"]!.GetValue<string>());
        Assert.Contains("offset", booking["properties"]!["start"]!["description"]!.GetValue<string>());
        Assert.Equal("email", booking["properties"]!["email"]!["format"]!.GetValue<string>());
        Assert.Equal(2000, booking["properties"]!["notes"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(200, booking["properties"]!["name"]!["maxLength"]!.GetValue<int>());

        var eventType = Schema(document, "EventTypeRequest");
        Assert.Equal(["durationMinutes", "title"], eventType["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        Assert.Equal((1, 1440), (eventType["properties"]!["durationMinutes"]!["minimum"]!.GetValue<int>(), eventType["properties"]!["durationMinutes"]!["maximum"]!.GetValue<int>()));
        Assert.Equal(10080, eventType["properties"]!["reminderMinutes"]!["maximum"]!.GetValue<int>());
        Assert.Equal(5000, eventType["properties"]!["description"]!["maxLength"]!.GetValue<int>());

        var signUp = Schema(document, "CreateUserRequest");
        Assert.Equal(["email", "name", "password", "timeZone"], signUp["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        Assert.Equal(8, signUp["properties"]!["password"]!["minLength"]!.GetValue<int>());
        Assert.Equal("string", signUp["properties"]!["email"]!["type"]!.GetValue<string>());

        var rule = Schema(document, "AvailabilityRuleRequest");
        Assert.Equal(Enum.GetNames<DayOfWeek>(), rule["properties"]!["dayOfWeek"]!["enum"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Matches(rule["properties"]!["endTime"]!["pattern"]!.GetValue<string>(), "24:00");
        Assert.DoesNotMatch(rule["properties"]!["startTime"]!["pattern"]!.GetValue<string>(), "24:00");

        Assert.Equal(["Pending", "Confirmed", "Cancelled"], Schema(document, "BookingStatus")["enum"]!.AsArray().Select(s => s!.GetValue<string>()));
        var bookingDto = Schema(document, "BookingDto")["properties"]!;
        Assert.Equal("#/components/schemas/BookingStatus", bookingDto["status"]!["$ref"]!.GetValue<string>());
        Assert.Equal("uuid", bookingDto["id"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", bookingDto["start"]!["format"]!.GetValue<string>());
        Assert.Contains("organizer", bookingDto["cancelledBy"]!["enum"]!.AsArray().Select(s => s?.GetValue<string>()));
        Assert.Equal(["created", "confirmed", "cancelled", "reminder"], Schema(document, "NotificationDto")["properties"]!["kind"]!["enum"]!
            .AsArray().Where(k => k is not null).Select(k => k!.GetValue<string>()));
        Assert.Equal("date-time", Schema(document, "SlotDto")["properties"]!["start"]!["format"]!.GetValue<string>());
        var problem = Schema(document, "ProblemDetails");
        Assert.Equal(["status", "title", "type"], problem["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());

        JsonNode Parameter(string operationId, string name) =>
            Operation(document, operationId)["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!["schema"]!;
        Assert.Equal("date", Parameter("listSlots", "from")["format"]!.GetValue<string>());
        Assert.Equal("date", Parameter("listSlots", "to")["format"]!.GetValue<string>());
        Assert.All(Operation(document, "listSlots")["parameters"]!.AsArray().Where(p => p!["name"]!.GetValue<string>() is "from" or "to"),
            p => Assert.True(p!["required"]!.GetValue<bool>()));
        Assert.Null(Operation(document, "listBookings")["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "from")!["required"]);
        Assert.Equal("date", Parameter("listBookings", "from")["format"]!.GetValue<string>());
        Assert.Equal("uuid", Parameter("getBooking", "id")["format"]!.GetValue<string>());
        var limit = Parameter("listBookings", "limit");
        Assert.Equal(("integer", 1, 1000), (limit["type"]!.GetValue<string>(), limit["minimum"]!.GetValue<int>(), limit["maximum"]!.GetValue<int>()));
        Assert.Equal(["Pending", "Confirmed", "Cancelled"], Parameter("listBookings", "status")["enum"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(200, Parameter("createBooking", "Idempotency-Key")["maxLength"]!.GetValue<int>());
        // A body is required: handlers answer a missing one with 400 validation.
        Assert.True(Operation(document, "createBooking")["requestBody"]!["required"]!.GetValue<bool>());
        Assert.Equal("#/components/schemas/CreateBookingRequest",
            Operation(document, "createBooking")["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_browsable_api_reference_is_served()
    {
        var response = await fixture.Anonymous.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(html.Contains("openapi/v1.json", StringComparison.Ordinal), html);
    }
}
