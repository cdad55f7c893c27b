"""A TCP proxy between Kafka clients and one broker that cuts connections on purpose.

The broker is started with advertised.listeners naming the proxy, so clients reach it only
through here, bootstrap and every later connection alike. `cut_all()` closes every open
connection at once, whatever is in flight. With `response_drop_rate`, a share of the
broker's responses is not passed on: the connection is cut instead. A produce request the
broker has appended but whose response is lost makes the client retry it, the case
idempotence exists for.
"""

import random
import socket
import threading

HOST = "127.0.0.1"
BUFFER_BYTES = 65536


class CuttingProxy:
    def __init__(self, response_drop_rate=0.0, seed=9):
        self.response_drop_rate = response_drop_rate
        self.dropped_responses = 0
        self._random = random.Random(seed)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.upstream = None  # (host, port) of the broker, set before clients connect
        self.cuts = 0
        self._lock = threading.Lock()
        self._pairs = []
        self._closed = False
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def address(self):
        return f"{HOST}:{self.port}"

    def cut_all(self):
        """Closes every connection open now; returns how many were cut."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            _close_pair(pair)
        self.cuts += len(pairs)
        return len(pairs)

    def close(self):
        self._closed = True
        self._listener.close()
        self.cut_all()

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, server)
            with self._lock:
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(client, server, pair, False),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, pair, True),
                             daemon=True).start()

    def _drops_response(self):
        with self._lock:
            drop = self._random.random() < self.response_drop_rate
            self.dropped_responses += drop
            return drop

    def _pump(self, source, target, pair, from_broker):
        try:
            while True:
                data = source.recv(BUFFER_BYTES)
                if not data:
                    break
                if from_broker and self._drops_response():
                    break
                target.sendall(data)
        except OSError:
            pass
        _close_pair(pair)


def _close_pair(pair):
    for sock in pair:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
