using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Decentral.Libp2p.Multiformats;

namespace Decentral.Libp2p.Transport;

/// <summary>How a TCP connect ended.</summary>
public enum TcpDialStatus
{
    /// <summary>Connected.</summary>
    Connected,

    /// <summary>Not an ip4/ip6/dns*/tcp multiaddr.</summary>
    UnsupportedAddress,

    /// <summary>Refused, unreachable or the name did not resolve.</summary>
    Refused,
}

/// <summary>
/// TCP transport: dial and listen on ip4/ip6 (and dns*) multiaddrs. Sockets get TCP_NODELAY
/// because libp2p protocols exchange many small frames.
/// </summary>
public static class TcpTransport
{
    /// <summary>Connects to <paramref name="address"/>; cancellation propagates as <see cref="OperationCanceledException"/>.</summary>
    public static async Task<(TcpDialStatus Status, Socket? Socket, string? Error)> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        if (!address.TryGetTcpTarget(out var host, out var port, out var family))
        {
            return (TcpDialStatus.UnsupportedAddress, null, $"{address} is not a TCP multiaddr");
        }

        IPAddress? ip;
        try
        {
            if (!IPAddress.TryParse(host, out ip))
            {
                var resolved = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
                ip = resolved.FirstOrDefault();
                if (ip is null)
                {
                    return (TcpDialStatus.Refused, null, $"{host} did not resolve");
                }
            }
        }
        catch (SocketException e)
        {
            return (TcpDialStatus.Refused, null, $"{host} did not resolve: {e.SocketErrorCode}");
        }

        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(ip, port), cancellationToken).ConfigureAwait(false);
            return (TcpDialStatus.Connected, socket, null);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return (TcpDialStatus.Refused, null, $"connect to {address} failed: {e.SocketErrorCode}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Binds a listener to an ip4/ip6 tcp multiaddr (port 0 picks one).</summary>
    public static (TcpListener? Listener, Multiaddr? Bound, string? Error) Listen(Multiaddr address)
    {
        if (!address.TryGetTcpTarget(out var host, out var port, out _) || !IPAddress.TryParse(host, out var ip))
        {
            return (null, null, $"{address} is not an ip4/ip6 TCP multiaddr");
        }

        var listener = new TcpListener(ip, port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            return (null, null, $"cannot listen on {address}: {e.SocketErrorCode}");
        }

        return (listener, Multiaddr.FromEndPoint((IPEndPoint)listener.LocalEndpoint), null);
    }

    /// <summary>The multiaddr of a connected socket's endpoint.</summary>
    public static Multiaddr AddressOf(EndPoint? endPoint) =>
        endPoint is IPEndPoint ip ? Multiaddr.FromEndPoint(ip) : Multiaddr.Parse("/ip4/0.0.0.0/tcp/0");

    /// <summary>
    /// The dialable form of bound listen addresses: an unspecified IP (0.0.0.0, ::) is replaced by
    /// every up interface address of its family (loopback included, link-local IPv6 excluded), so
    /// nobody is ever told to dial 0.0.0.0. Specific addresses pass through unchanged.
    /// </summary>
    public static IReadOnlyList<Multiaddr> DialableForms(IEnumerable<Multiaddr> listenAddresses)
    {
        ArgumentNullException.ThrowIfNull(listenAddresses);
        var result = new List<Multiaddr>();
        foreach (var address in listenAddresses)
        {
            if (!address.TryGetTcpTarget(out var host, out var port, out _) || !IPAddress.TryParse(host, out var ip)
                || !(ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            {
                result.Add(address);
                continue;
            }

            foreach (var local in InterfaceAddresses(ip.AddressFamily))
            {
                result.Add(Multiaddr.FromEndPoint(new IPEndPoint(local, port)));
            }
        }

        return [.. result.Distinct()];
    }

    private static IEnumerable<IPAddress> InterfaceAddresses(AddressFamily family)
    {
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            interfaces = [];
        }

        var found = interfaces
            .Where(i => i.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == family && !a.IsIPv6LinkLocal)
            .ToList();
        return found.Count > 0 ? found : [family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback];
    }
}
