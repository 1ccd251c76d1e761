// Compiled at test time together with the client Kiota generates from the running /openapi/v1.json
// (see GeneratedClientTests), never as part of this project: if the document changes in a way that
// breaks a generated client's callers, this file stops compiling and the test fails.
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Scheduler.Generated;
using Scheduler.Generated.Api.Bookings;
using Scheduler.Generated.Models;
using Xunit;

// Outside the Scheduler namespace, so the server's own types (Scheduler.BookingStatus, …) never shadow the generated ones.
namespace GeneratedClientScenario;

public static class Scenario
{
    /// <summary>Sign up, sign in, publish, list slots, book anonymously, lose a race, cancel with the manage token.</summary>
    /// <param name="future">A Monday ahead (Berlin at +01:00) to book on.</param>
    public static async Task RunAsync(Func<HttpClient> newHttpClient, string baseUrl, DateOnly future)
    {
        var anonymous = Client(newHttpClient(), baseUrl, new AnonymousAuthenticationProvider());
        var email = $"kiota-{Guid.NewGuid():N}@example.com";
        var user = await anonymous.Api.Users.PostAsync(new CreateUserRequest
        {
            Name = "Kiota Organizer", Email = email, Password = "correct horse", TimeZone = "Europe/Berlin",
        });
        var taken = await Assert.ThrowsAsync<ProblemDetails>(() => anonymous.Api.Users.PostAsync(new CreateUserRequest
        {
            Name = "Someone else", Email = email.ToUpperInvariant(), Password = "another horse", TimeZone = "UTC",
        }));
        Assert.Equal((409, "/problems/email-taken"), (taken.ResponseStatusCode, taken.Type));

        var token = await anonymous.Api.Auth.Token.PostAsync(new TokenRequest { Email = email, Password = "correct horse" });
        Assert.Equal(TokenResponse_tokenType.Bearer, token!.TokenType);
        var organizer = Client(newHttpClient(), baseUrl, new BaseBearerTokenAuthenticationProvider(new StaticToken(token.AccessToken!)));
        var me = await organizer.Api.Me.GetAsync();
        Assert.Equal(user!.Id, me!.Id);
        var unauthorized = await Assert.ThrowsAsync<ProblemDetails>(() => anonymous.Api.Me.GetAsync());
        Assert.Equal((401, "/problems/unauthorized"), (unauthorized.ResponseStatusCode, unauthorized.Type));

        var invalid = await Assert.ThrowsAsync<ProblemDetails>(() => organizer.Api.EventTypes.PostAsync(new EventTypeRequest { Title = "Too short", DurationMinutes = 0 }));
        Assert.Equal((400, "/problems/validation"), (invalid.ResponseStatusCode, invalid.Type));
        Assert.Contains("durationMinutes", invalid.Errors!.AdditionalData.Keys);

        var eventType = await organizer.Api.EventTypes.PostAsync(new EventTypeRequest
        {
            Title = "Intro call", Description = "Thirty minutes", DurationMinutes = 30, Location = "Video",
        });
        var rules = await organizer.Api.Availability.PutAsync(
        [
            new AvailabilityRuleRequest { DayOfWeek = AvailabilityRuleRequest_dayOfWeek.Monday, StartTime = "09:00", EndTime = "12:00" },
        ]);
        Assert.Equal(AvailabilityRuleDto_dayOfWeek.Monday, Assert.Single(rules!).DayOfWeek);

        var monday = new Date(future.Year, future.Month, future.Day);
        var slots = await anonymous.Api.EventTypes[eventType!.Id!.Value].Slots.GetAsync(c =>
        {
            c.QueryParameters.From = monday;
            c.QueryParameters.To = monday;
            c.QueryParameters.TimeZone = "Europe/Berlin";
        });
        Assert.Equal(6, slots!.Slots!.Count);
        var start = slots.Slots[0].Start!.Value;
        Assert.Equal(new DateTimeOffset(future.ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(1)), start);

        var booking = await anonymous.Api.Bookings.PostAsync(new CreateBookingRequest
        {
            EventTypeId = eventType.Id, Start = start, Name = "Bob Booker", Email = $"bob-{Guid.NewGuid():N}@example.com",
        });
        Assert.Equal(BookingStatus.Confirmed, booking!.Status);
        Assert.False(string.IsNullOrEmpty(booking.ManageToken));

        var conflict = await Assert.ThrowsAsync<ProblemDetails>(() => anonymous.Api.Bookings.PostAsync(new CreateBookingRequest
        {
            EventTypeId = eventType.Id, Start = start, Name = "Carol Late", Email = $"carol-{Guid.NewGuid():N}@example.com",
        }));
        Assert.Equal((409, "/problems/slot-unavailable"), (conflict.ResponseStatusCode, conflict.Type));

        var seen = await anonymous.Api.Bookings[booking.Id!.Value].GetAsync(c => c.QueryParameters.Token = booking.ManageToken);
        Assert.Equal(booking.Id, seen!.Id);
        var cancelled = await anonymous.Api.Bookings[booking.Id.Value].Cancel.PostAsync(
            new CancelRequest { Reason = "Plans changed" }, c => c.QueryParameters.Token = booking.ManageToken);
        Assert.Equal((BookingStatus.Cancelled, BookingDto_cancelledBy.Booker), (cancelled!.Status, cancelled.CancelledBy));

        var freeAgain = await anonymous.Api.EventTypes[eventType.Id.Value].Slots.GetAsync(c =>
        {
            c.QueryParameters.From = monday;
            c.QueryParameters.To = monday;
        });
        Assert.Contains(freeAgain!.Slots!, s => s.Start == start);
        var listed = await organizer.Api.Bookings.GetAsync(c =>
        {
            c.QueryParameters.From = monday;
            c.QueryParameters.To = monday;
            c.QueryParameters.Status = GetStatusQueryParameterType.Cancelled;
        });
        Assert.Equal(booking.Id, Assert.Single(listed!).Id);
    }

    private static SchedulerClient Client(HttpClient http, string baseUrl, IAuthenticationProvider authentication) =>
        new(new HttpClientRequestAdapter(authentication, httpClient: http) { BaseUrl = baseUrl });

    private sealed class StaticToken(string token) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new();

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(token);
    }
}
