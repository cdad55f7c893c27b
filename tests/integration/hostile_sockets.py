"""Raw sockets that behave badly on purpose, for the hostile-client tests: a client that
sends without ever reading, one that reads only to check order, and the TCP state of a
connection seen from the client without reading from it.

kafka_wire.Connection is blocking and reads what it is sent; these helpers work on plain
non-blocking sockets so that a test can push until the broker stops reading, or keep
thousands of pipelined requests in flight on several connections at once."""

import errno
import fcntl
import selectors
import socket
import struct
import termios
import time

# Linux tcp_states.h: the first byte of struct tcp_info (getsockopt TCP_INFO).
TCP_ESTABLISHED = 1

_CLOSED_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


def raw_socket(broker, receive_buffer_bytes=None, send_buffer_bytes=None, timeout_seconds=10):
    """A connected socket with the given kernel buffer sizes (set before connect, so the
    TCP window is small from the start), left non-blocking."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer_bytes is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer_bytes)
    if send_buffer_bytes is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)
    sock.settimeout(timeout_seconds)
    sock.connect((broker.host, broker.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def push_until_stalled(sockets_and_data, stall_seconds=1.5, timeout_seconds=60):
    """Sends each socket's bytes without reading anything, until every socket has sent all
    of its bytes or none has made progress for stall_seconds (the kernel buffers are full:
    the broker stopped reading). Returns the bytes each socket sent, in order; a socket the
    broker closed (reset) stops there."""
    sent = [0] * len(sockets_and_data)
    closed = [False] * len(sockets_and_data)
    deadline = time.monotonic() + timeout_seconds
    last_progress = time.monotonic()
    with selectors.DefaultSelector() as selector:
        for index, (sock, _) in enumerate(sockets_and_data):
            selector.register(sock, selectors.EVENT_WRITE, index)
        while selector.get_map():
            now = time.monotonic()
            if now - last_progress >= stall_seconds or now >= deadline:
                break
            for key, _ in selector.select(timeout=0.1):
                index = key.data
                sock, data = sockets_and_data[index]
                try:
                    count = sock.send(data[sent[index]:sent[index] + 262144])
                except BlockingIOError:
                    continue
                except OSError as error:
                    if error.errno not in _CLOSED_ERRNOS:
                        raise
                    closed[index] = True
                    selector.unregister(sock)
                    continue
                if count > 0:
                    sent[index] += count
                    last_progress = time.monotonic()
                if sent[index] == len(data):
                    selector.unregister(sock)
    return sent


def tcp_state(sock):
    """The TCP state of the client's end (TCP_ESTABLISHED while the broker keeps it open)."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]


def unsent_bytes(sock):
    """Bytes in the socket's send queue that the peer has not acknowledged (TIOCOUTQ):
    what the kernel holds because the broker stopped reading."""
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


def wait_until_closed_by_broker(sockets, timeout_seconds):
    """Waits, without reading, until the broker has closed (FIN or RST) every connection
    or the timeout passes; returns for each socket whether it was closed."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        closed = [tcp_state(sock) != TCP_ESTABLISHED for sock in sockets]
        if all(closed) or time.monotonic() >= deadline:
            return closed
        time.sleep(0.05)


def frames_in(buffer):
    """Splits complete size-prefixed frames off the front of a bytearray; returns them
    (without their size prefix) and leaves the incomplete rest in the buffer."""
    frames = []
    position = 0
    while len(buffer) - position >= 4:
        size = struct.unpack_from(">i", buffer, position)[0]
        assert size >= 4, f"the broker sent a frame size prefix of {size}"
        if len(buffer) - position - 4 < size:
            break
        frames.append(bytes(buffer[position + 4:position + 4 + size]))
        position += 4 + size
    del buffer[:position]
    return frames


def pipeline(sockets_and_data, expected_frames, timeout_seconds=120):
    """Sends each socket's bytes (many requests back to back) while reading its responses,
    as a well-behaved pipelining client does, until each socket has received its
    expected number of frames. Returns the frames received per socket, in order.
    AssertionError if the broker closes a socket or the deadline passes first."""
    received = [[] for _ in sockets_and_data]
    buffers = [bytearray() for _ in sockets_and_data]
    sent = [0] * len(sockets_and_data)
    deadline = time.monotonic() + timeout_seconds
    with selectors.DefaultSelector() as selector:
        for index, (sock, data) in enumerate(sockets_and_data):
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if data else 0)
            selector.register(sock, events, index)
        pending = set(range(len(sockets_and_data)))
        while pending:
            assert time.monotonic() < deadline, (
                f"after {timeout_seconds}s: "
                + ", ".join(f"socket {index}: {len(received[index])} of {expected_frames[index]} "
                            f"responses, {sent[index]} of {len(sockets_and_data[index][1])} "
                            f"bytes sent" for index in sorted(pending)))
            for key, events in selector.select(timeout=0.5):
                index = key.data
                sock, data = sockets_and_data[index]
                if events & selectors.EVENT_WRITE and sent[index] < len(data):
                    try:
                        sent[index] += sock.send(data[sent[index]:sent[index] + 262144])
                    except BlockingIOError:
                        pass
                    if sent[index] == len(data):
                        selector.modify(sock, selectors.EVENT_READ, index)
                if events & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(1 << 20)
                    except BlockingIOError:
                        continue
                    assert chunk, (f"the broker closed socket {index} after "
                                   f"{len(received[index])} responses")
                    buffers[index] += chunk
                    received[index] += frames_in(buffers[index])
                    if len(received[index]) >= expected_frames[index]:
                        pending.discard(index)
    return received
