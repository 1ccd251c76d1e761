namespace Scheduler.Domain;

/// <summary>What booking one requested start would meet.</summary>
public enum StartVerdict
{
    /// <summary>The start is an offered slot right now.</summary>
    Offered,

    /// <summary>The start would be offered were it not for a busy interval (HTTP 409).</summary>
    Taken,

    /// <summary>Past, off the slot grid, or outside the weekly rules (HTTP 422).</summary>
    OutsideAvailability,
}
