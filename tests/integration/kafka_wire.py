"""The Kafka wire protocol as the integration tests speak it: request encoding, framing and
a blocking connection that tells a response from a connection the broker closed.

Encoding (Kafka protocol guide): integers are big-endian. STRING is an int16 length and
UTF-8 bytes (length -1: null); ARRAY an int32 count (-1: null). Flexible versions use
COMPACT_STRING and COMPACT_ARRAY, whose length is an unsigned varint of length + 1
(0: null), and end every struct with tagged fields: an unsigned varint count, then per
field an unsigned varint tag, an unsigned varint size and the bytes.

A request on the wire is a 4-byte size prefix (the size of what follows), a header and
the body. Request header versions:
  v0: api_key int16, api_version int16, correlation_id int32
  v1: v0 + client_id nullable STRING (never compact, even in v2)
  v2: v1 + tagged fields; used by the flexible versions of an API
A response starts with correlation_id int32 (header v0), then tagged fields for flexible
versions (header v1) except ApiVersions, which always answers with header v0. Responses
are decoded by the protocol probe (kafka_probe.py), never by hand here.
"""

import errno
import socket
import struct
import time

API_VERSIONS = 18
METADATA = 3

# First flexible version of each API the tests encode (from Kafka's JSON schemas).
FIRST_FLEXIBLE_VERSION = {API_VERSIONS: 3, METADATA: 9}

DEFAULT_CLIENT_ID = "samsa-integration-tests"
DEFAULT_TIMEOUT_SECONDS = 10.0
ZERO_UUID = bytes(16)


# ---------------------------------------------------------------------------------------
# Primitive types
# ---------------------------------------------------------------------------------------


def int8(value):
    return struct.pack(">b", value)


def int16(value):
    return struct.pack(">h", value)


def int32(value):
    return struct.pack(">i", value)


def boolean(value):
    return b"\x01" if value else b"\x00"


def unsigned_varint(value):
    assert value >= 0
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def string(value, *, compact=False):
    """A nullable string; `value` is str, raw bytes (to send invalid UTF-8) or None."""
    if value is None:
        return unsigned_varint(0) if compact else int16(-1)
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return (unsigned_varint(len(data) + 1) if compact else int16(len(data))) + data


def array(encoded_elements, *, compact=False):
    """A nullable array of already encoded elements."""
    if encoded_elements is None:
        return unsigned_varint(0) if compact else int32(-1)
    count = unsigned_varint(len(encoded_elements) + 1) if compact else int32(len(encoded_elements))
    return count + b"".join(encoded_elements)


def tagged_fields(fields=None):
    """Tagged fields from {tag: encoded bytes}, in ascending tag order as Kafka requires."""
    fields = fields or {}
    out = unsigned_varint(len(fields))
    for tag in sorted(fields):
        out += unsigned_varint(tag) + unsigned_varint(len(fields[tag])) + fields[tag]
    return out


# ---------------------------------------------------------------------------------------
# Headers and framing
# ---------------------------------------------------------------------------------------


def is_flexible(api_key, api_version):
    first = FIRST_FLEXIBLE_VERSION.get(api_key)
    return first is not None and api_version >= first


def request_header_version(api_key, api_version):
    """Kafka's rule; versions past the schema's maximum count as flexible, which is how
    Kafka parses a too-new ApiVersions request."""
    return 2 if is_flexible(api_key, api_version) else 1


def request_header(api_key, api_version, correlation_id, client_id=DEFAULT_CLIENT_ID,
                   header_version=None):
    if header_version is None:
        header_version = request_header_version(api_key, api_version)
    out = int16(api_key) + int16(api_version) + int32(correlation_id)
    if header_version >= 1:
        out += string(client_id)
    if header_version >= 2:
        out += tagged_fields()
    return out


def size_prefixed(payload):
    return int32(len(payload)) + payload


def request_frame(api_key, api_version, body, correlation_id, client_id=DEFAULT_CLIENT_ID,
                  header_version=None):
    """A complete request as sent on the wire, size prefix included."""
    header = request_header(api_key, api_version, correlation_id, client_id, header_version)
    return size_prefixed(header + body)


# ---------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------


def api_versions_request(version, client_software_name="samsa-tests",
                         client_software_version="1.0.0"):
    """ApiVersions body. Versions past 3 get the v3 layout, as a newer client sends."""
    if version < 3:
        return b""
    return (string(client_software_name, compact=True)
            + string(client_software_version, compact=True)
            + tagged_fields())


def metadata_request(version, topics=None, allow_auto_topic_creation=True,
                     include_cluster_authorized_operations=False,
                     include_topic_authorized_operations=False):
    """Metadata body. `topics` is a list of names, or None for a null list (all topics,
    v1+); in v0 all topics is the empty list, so None is refused there."""
    if topics is None and version < 1:
        raise ValueError("Metadata v0 has no null topic list; [] asks for all topics")
    flexible = is_flexible(METADATA, version)
    elements = None
    if topics is not None:
        elements = []
        for name in topics:
            element = ZERO_UUID if version >= 10 else b""
            element += string(name, compact=flexible)
            if flexible:
                element += tagged_fields()
            elements.append(element)
    out = array(elements, compact=flexible)
    if version >= 4:
        out += boolean(allow_auto_topic_creation)
    if 8 <= version <= 10:
        out += boolean(include_cluster_authorized_operations)
    if version >= 8:
        out += boolean(include_topic_authorized_operations)
    if flexible:
        out += tagged_fields()
    return out


# ---------------------------------------------------------------------------------------
# Connection
# ---------------------------------------------------------------------------------------


class ConnectionClosed(Exception):
    """The broker closed the connection (end of stream or reset)."""


_CLOSED_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


class Connection:
    """One blocking TCP connection to the broker. Every wait has a deadline."""

    def __init__(self, host, port, timeout_seconds=DEFAULT_TIMEOUT_SECONDS):
        self.socket = socket.create_connection((host, port), timeout=timeout_seconds)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._received = bytearray()
        self._next_correlation_id = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.socket.close()

    def send(self, data):
        """Sends raw bytes; ConnectionClosed when the broker has closed the connection."""
        try:
            self.socket.sendall(data)
        except OSError as error:
            if error.errno in _CLOSED_ERRNOS:
                raise ConnectionClosed(str(error)) from error
            raise

    def next_correlation_id(self):
        correlation_id = self._next_correlation_id
        self._next_correlation_id += 1
        return correlation_id

    def send_request(self, api_key, api_version, body, correlation_id=None, **header_options):
        """Frames and sends one request; returns its correlation id."""
        if correlation_id is None:
            correlation_id = self.next_correlation_id()
        self.send(request_frame(api_key, api_version, body, correlation_id, **header_options))
        return correlation_id

    def read_frame(self, timeout_seconds=DEFAULT_TIMEOUT_SECONDS):
        """The next response frame (header + body, without the size prefix).
        Raises ConnectionClosed if the broker closes first, TimeoutError after the
        deadline."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            if len(self._received) >= 4:
                size = struct.unpack_from(">i", self._received)[0]
                assert size >= 4, f"the broker sent a frame size prefix of {size}"
                if len(self._received) >= 4 + size:
                    frame = bytes(self._received[4:4 + size])
                    del self._received[:4 + size]
                    return frame
            chunk = self._receive(deadline)
            if chunk is None:
                raise TimeoutError(
                    f"no complete response within {timeout_seconds}s "
                    f"({len(self._received)} bytes buffered)")
            if not chunk:
                raise ConnectionClosed(
                    f"the broker closed the connection ({len(self._received)} bytes of an "
                    f"incomplete frame buffered)")
            self._received += chunk

    def request(self, api_key, api_version, body, timeout_seconds=DEFAULT_TIMEOUT_SECONDS,
                **header_options):
        """Sends one request and returns its response frame, checking the correlation id."""
        correlation_id = self.send_request(api_key, api_version, body, **header_options)
        frame = self.read_frame(timeout_seconds)
        answered = struct.unpack_from(">i", frame)[0]
        assert answered == correlation_id, (
            f"response correlation id {answered}, request's {correlation_id}")
        return frame

    def assert_closed_by_broker(self, timeout_seconds=DEFAULT_TIMEOUT_SECONDS):
        """Passes when the broker closes the connection without sending anything more."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            chunk = self._receive(deadline)
            if chunk is None:
                raise AssertionError(
                    f"the broker kept the connection open for {timeout_seconds}s")
            if not chunk:
                assert not self._received, (
                    f"the broker sent {len(self._received)} bytes before closing: "
                    f"{bytes(self._received[:64]).hex()}")
                return
            self._received += chunk
            raise AssertionError(
                f"the broker answered instead of closing the connection: "
                f"{bytes(self._received[:64]).hex()}")

    def _receive(self, deadline):
        """Bytes received; b"" when the broker closed; None at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.socket.settimeout(remaining)
        try:
            return self.socket.recv(65536)
        except socket.timeout:
            return None
        except OSError as error:
            if error.errno in _CLOSED_ERRNOS:
                return b""
            raise
