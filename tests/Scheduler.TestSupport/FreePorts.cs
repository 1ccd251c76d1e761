using System.Net;
using System.Net.Sockets;

namespace Scheduler.TestSupport;

/// <summary>Loopback ports nobody listens on, for run.sh's silos, gateways and front ends.</summary>
public static class FreePorts
{
    /// <summary>
    /// Three ports p with p + 1 free too (silo, gateway, web: run.sh adds the index). Held while
    /// choosing so the three pairs cannot overlap; released just before run.sh binds them.
    /// </summary>
    public static (int Silo, int Gateway, int Web) Pairs()
    {
        var held = new List<TcpListener>();
        try
        {
            var ports = new List<int>();
            while (ports.Count < 3)
            {
                var first = Listen(0)!;
                held.Add(first);
                var port = ((IPEndPoint)first.LocalEndpoint).Port;
                if (port < IPEndPoint.MaxPort && Listen(port + 1) is { } second)
                {
                    held.Add(second);
                    ports.Add(port);
                }
            }
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var listener in held) listener.Stop();
        }
    }

    private static TcpListener? Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
