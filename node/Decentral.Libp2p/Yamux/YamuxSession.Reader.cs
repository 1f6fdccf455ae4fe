using System.Buffers;
using Decentral.Libp2p.Host;

namespace Decentral.Libp2p.Yamux;

/// <content>The read loop: frame parsing and routing.</content>
internal sealed partial class YamuxSession
{
    private async Task ReadLoopAsync()
    {
        var headerBytes = new byte[YamuxHeader.Size];
        string reason;
        var kind = CloseReason.ProtocolViolation;
        uint? goAway = YamuxHeader.GoAwayProtocolError;
        try
        {
            while (true)
            {
                var read = await _transport.ReadAtLeastAsync(headerBytes, YamuxHeader.Size, throwOnEndOfStream: false, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    reason = "remote closed the connection";
                    kind = CloseReason.RemoteClosed;
                    goAway = null;
                    break;
                }

                if (read < YamuxHeader.Size)
                {
                    reason = "connection ended inside a yamux header (truncated frame)";
                    kind = CloseReason.TransportFailed;
                    goAway = null;
                    break;
                }

                if (!YamuxHeader.TryRead(headerBytes, out var header, out var error))
                {
                    reason = error!;
                    break;
                }

                var violation = header.Type switch
                {
                    YamuxFrameType.Data => await OnDataAsync(header).ConfigureAwait(false),
                    YamuxFrameType.WindowUpdate => OnWindowUpdate(header),
                    YamuxFrameType.Ping => OnPing(header),
                    _ => OnGoAway(header),
                };

                if (violation is not null)
                {
                    reason = violation;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            return;
        }
        catch (InvalidDataException e)
        {
            // Bad frames below yamux (AEAD tag, truncated Noise frame): the remote's fault, but the
            // encrypted channel is no longer in sync, so no GoAway is attempted.
            reason = $"secure channel failed: {e.Message}";
            kind = CloseReason.SecureChannelFailed;
            goAway = null;
            Log.ProtocolViolation(_logger, Connection.Id, reason);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            reason = $"transport failed: {e.Message}";
            kind = CloseReason.TransportFailed;
            goAway = null;
        }

        if (goAway is not null)
        {
            Log.ProtocolViolation(_logger, Connection.Id, reason);
        }

        await CloseCoreAsync(reason, goAway, kind).ConfigureAwait(false);
    }

    private async ValueTask<string?> OnDataAsync(YamuxHeader header)
    {
        if (header.Length > (uint)Options.MaxStreamWindow)
        {
            return $"data frame of {header.Length} bytes exceeds any window";
        }

        var (stream, violation) = Route(header);
        if (violation is not null)
        {
            return violation;
        }

        var length = (int)header.Length;
        if (length < ReceiveBuffer.SegmentBytes)
        {
            // Read through a pooled scratch buffer (an idle session holds none), then copied into the stream's tail segment.
            var small = ArrayPool<byte>.Shared.Rent(ReceiveBuffer.SegmentBytes);
            try
            {
                if (await _transport.ReadAtLeastAsync(small.AsMemory(0, length), length, throwOnEndOfStream: false, _closing.Token).ConfigureAwait(false) < length)
                {
                    return "connection ended inside a data frame (truncated frame)";
                }

                if (stream is not null && length > 0 && Taken(stream.TryEnqueueCopy(small.AsSpan(0, length))) is { } smallViolation)
                {
                    return smallViolation;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(small);
            }
        }
        else
        {
            var payload = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                if (await _transport.ReadAtLeastAsync(payload.AsMemory(0, length), length, throwOnEndOfStream: false, _closing.Token).ConfigureAwait(false) < length)
                {
                    ArrayPool<byte>.Shared.Return(payload);
                    return "connection ended inside a data frame (truncated frame)";
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(payload);
                throw;
            }

            if (stream is null)
            {
                ArrayPool<byte>.Shared.Return(payload);
            }
            else if (Taken(stream.TryEnqueueOwned(payload, length)) is { } violation2)
            {
                return violation2;
            }
        }

        ApplyCloseFlags(stream, header.Flags);
        return null;
    }

    /// <summary>A window violation closes the session; a spent budget only cost the stream (already reset).</summary>
    private string? Taken(EnqueueResult result)
    {
        switch (result.Status)
        {
            case EnqueueStatus.WindowViolation:
                return result.Reason;
            case EnqueueStatus.SessionBudget or EnqueueStatus.HostBudget:
                Log.StreamOverBudget(_logger, Connection.Id, result.Reason!);
                _events?.StreamReset(result.Status == EnqueueStatus.HostBudget ? "host_buffer_limit" : "session_buffer_limit");
                return null;
            default:
                return null;
        }
    }

    private string? OnWindowUpdate(YamuxHeader header)
    {
        var (stream, violation) = Route(header);
        if (violation is not null)
        {
            return violation;
        }

        stream?.OnWindowUpdate(header.Length);
        ApplyCloseFlags(stream, header.Flags);
        return null;
    }

    private string? OnPing(YamuxHeader header)
    {
        if (header.StreamId != 0)
        {
            return $"ping on stream {header.StreamId}";
        }

        if ((header.Flags & YamuxFlags.Syn) != 0)
        {
            SendInBackground(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Ack, 0, header.Length));
        }
        else if ((header.Flags & YamuxFlags.Ack) != 0)
        {
            lock (_gate)
            {
                if (_pingOutstanding && header.Length == _pingOpaque)
                {
                    _pingOutstanding = false;
                }
            }
        }

        return null;
    }

    private string? OnGoAway(YamuxHeader header)
    {
        // Existing streams may finish; we only stop opening new ones. The transport ending closes the session.
        lock (_gate)
        {
            _goAwayReceived = true;
        }

        Log.GoAwayReceived(_logger, Connection.Id, header.Length);
        return null;
    }

    private (YamuxStream? Stream, string? Violation) Route(YamuxHeader header)
    {
        if (header.StreamId == 0)
        {
            return (null, $"{header.Type} frame on stream 0");
        }

        if ((header.Flags & YamuxFlags.Syn) == 0)
        {
            // Unknown ids are streams we already released: drop the frame.
            _streams.TryGetValue(header.StreamId, out var known);
            return (known, null);
        }

        var remoteParity = _isDialer ? 0u : 1u;
        if (header.StreamId % 2 != remoteParity)
        {
            return (null, $"remote opened stream {header.StreamId} with our parity");
        }

        if (_streams.ContainsKey(header.StreamId))
        {
            return (null, $"duplicate SYN for stream {header.StreamId}");
        }

        YamuxStream stream;
        lock (_gate)
        {
            if (_streams.Count >= Options.MaxStreams || _onInbound is null)
            {
                Log.StreamRefused(_logger, Connection.Id, header.StreamId);
                _events?.StreamRefused("stream_limit");
                SendInBackground(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, header.StreamId, 0));
                return (null, null);
            }

            stream = new YamuxStream(this, header.StreamId, Direction.Inbound, Options.MaxStreamWindow, _budget);
            _streams[stream.Id] = stream;
        }

        SendInBackground(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, stream.Id, stream.InitialWindowGrant()));
        var handler = _onInbound;
        _ = Task.Run(() => handler(stream));
        return (stream, null);
    }

    private void ApplyCloseFlags(YamuxStream? stream, YamuxFlags flags)
    {
        if (stream is null)
        {
            return;
        }

        if ((flags & YamuxFlags.Rst) != 0)
        {
            stream.OnReset();
            Remove(stream);
        }
        else if ((flags & YamuxFlags.Fin) != 0)
        {
            stream.OnRemoteFin();
        }
    }
}
