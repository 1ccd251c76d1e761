using System.Net;
using Microsoft.AspNetCore.Http;
using Scheduler.Web.Hosting;

namespace Scheduler.IntegrationTests;

/// <summary>Whom the per-client limits count as one client.</summary>
public sealed class ClientKeyTests
{
    private static string KeyOf(string address) =>
        RateLimits.ClientKey(new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(address) } });

    [Fact]
    public void An_IPv6_subscriber_counts_as_one_client_across_its_64_and_IPv4_clients_count_alone()
    {
        Assert.Equal(KeyOf("2001:db8:1:2::1"), KeyOf("2001:db8:1:2:ffff:ffff:ffff:fffe"));
        Assert.NotEqual(KeyOf("2001:db8:1:2::1"), KeyOf("2001:db8:1:3::1"));
        Assert.Equal("2001:db8:1:2::/64", KeyOf("2001:db8:1:2:abcd::1"));
        Assert.NotEqual(KeyOf("203.0.113.1"), KeyOf("203.0.113.2"));
        // An IPv4 client on a dual-stack socket is that IPv4 client, not a /64.
        Assert.Equal("203.0.113.7", KeyOf("::ffff:203.0.113.7"));
        Assert.Equal("::1", KeyOf("::1"));
    }
}
