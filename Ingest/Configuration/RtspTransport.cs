namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>Lower transport for RTSP media.</summary>
public enum RtspTransport
{
    /// <summary>Interleaved in the RTSP TCP connection: survives NAT and packet loss (default).</summary>
    Tcp = 0,
    Udp = 1,
}
