using System.Security.Claims;

namespace Scheduler.Web.Hosting;

public enum BookingRole { Organizer, Booker, TokenHolder }

public sealed record FoundBooking(ICalendarGrain Calendar, BookingView Booking, BookingRole Role);

/// <summary>
/// Who may see or change a booking: its organizer, its signed-in booker, or whoever holds its
/// manage token. Anyone else gets exactly what an unknown id gets (null → 404). The booker role
/// needs an account that verified its address (<see cref="IUserGrain.FindBookingOrganizer"/> finds
/// nothing otherwise), and gives exactly what the manage token gives (view, cancel): a booking made
/// anonymously with the address of an account is that account's to see, with no extra right.
/// </summary>
public sealed class BookingAccess(IGrainFactory grains)
{
    public async Task<FoundBooking?> Find(Guid bookingId, ClaimsPrincipal user, string? manageToken)
    {
        if (user.UserId() is { } userId)
        {
            var own = grains.GetGrain<ICalendarGrain>(userId);
            if (await own.GetBooking(bookingId) is { } asOrganizer) return new(own, asOrganizer, BookingRole.Organizer);
            if (await grains.GetGrain<IUserGrain>(userId).FindBookingOrganizer(bookingId) is { } organizerId)
            {
                var calendar = grains.GetGrain<ICalendarGrain>(organizerId);
                if (await calendar.GetBooking(bookingId) is { } asBooker && asBooker.UserId == userId)
                    return new(calendar, asBooker, BookingRole.Booker);
            }
        }
        if (!string.IsNullOrEmpty(manageToken) && ManageTokenFormat.TryReadOrganizer(manageToken, out var tokenOrganizer))
        {
            var calendar = grains.GetGrain<ICalendarGrain>(tokenOrganizer);
            if (await calendar.IsManageTokenValid(bookingId, manageToken) && await calendar.GetBooking(bookingId) is { } booking)
                return new(calendar, booking, BookingRole.TokenHolder);
        }
        return null;
    }
}
