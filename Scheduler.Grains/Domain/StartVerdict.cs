namespace Scheduler.Domain;

/// <summary>What booking one requested start would meet.</summary>
public enum StartVerdict
{
    /// <summary>The start is an offered slot right now.</summary>
    Offered,

    /// <summary>
    /// The start would be offered were it not for other bookings: one of them (or its buffers)
    /// overlaps the slot or its buffers, or they already fill the day's or week's limit (HTTP 409).
    /// </summary>
    Taken,

    /// <summary>
    /// Not a slot whatever other bookings do: past, within the minimum notice, beyond the booking
    /// horizon, off the slot grid, outside the rules or the date's override, or in blocked time (HTTP 422).
    /// </summary>
    OutsideAvailability,
}
