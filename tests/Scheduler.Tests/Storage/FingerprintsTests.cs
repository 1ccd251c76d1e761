using Scheduler.Calendar;

namespace Scheduler.Tests.Storage;

/// <summary>Idempotency-Key fingerprints across the change from the whole SHA-256 to its first 128 bits.</summary>
public sealed class FingerprintsTests
{
    private const string Whole = "0123456789ABCDEF0123456789ABCDEFFEDCBA9876543210FEDCBA9876543210";
    private static readonly string Half = Whole[..32];

    [Fact]
    public void A_replay_matches_its_first_request_in_either_form()
    {
        Assert.True(Fingerprints.Same(Half, Half));
        Assert.True(Fingerprints.Same(Whole, Whole));
        Assert.True(Fingerprints.Same(Whole, Half));
        Assert.True(Fingerprints.Same(Half, Whole));
    }

    [Fact]
    public void Another_request_does_not_match()
    {
        var other = "1" + Half[1..];
        Assert.False(Fingerprints.Same(other, Half));
        Assert.False(Fingerprints.Same(Whole, other));
        Assert.False(Fingerprints.Same(Whole, "1" + Whole[1..]));
        // A shorter prefix than 128 bits is no fingerprint of ours: it never matches a longer one.
        Assert.False(Fingerprints.Same(Whole, Whole[..16]));
        Assert.False(Fingerprints.Same(Whole, ""));
        Assert.False(Fingerprints.Same(Half, null));
    }
}
