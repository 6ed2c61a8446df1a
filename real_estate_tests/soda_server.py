"""A real SODA-compatible HTTP server on 127.0.0.1 for tests, with faults that can be queued."""

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from real_estate.sources.soda import Rows, soda_response


@dataclass
class Fault:
    """One response to send instead of the real answer."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SodaServer:
    """Datasets served with SODA semantics; queued faults are answered first, in order."""

    datasets: dict[str, Rows]
    url: str = ""
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)

    def fail_next(self, status: int, body: object = b"", **headers: str) -> None:
        encoded = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.faults.append(Fault(status, encoded, headers))

    def data_requests(self) -> list[dict[str, str]]:
        return [params for _, params, _ in self.requests if "$offset" in params]


@contextmanager
def serve_soda(datasets: dict[str, Rows]) -> Iterator[SodaServer]:
    """Start the server on a free loopback port; stop it on exit."""
    server_state = SodaServer(datasets)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query))
            server_state.requests.append((parts.path, params, dict(self.headers)))
            if server_state.faults:
                fault = server_state.faults.popleft()
                status, body, headers = fault.status, fault.body, dict(fault.headers)
            else:
                status, body = soda_response(server_state.datasets, parts.path, params)
                headers = {}
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
