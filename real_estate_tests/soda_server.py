"""A real SODA-compatible HTTP server on 127.0.0.1 for tests, with faults that can be queued."""

import json
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from real_estate.sample.parks import generate_parks
from real_estate.sources.soda import Rows, soda_response
from real_estate_tests.http_server import QuietHandler, serving

PARKS_ADDRESSES = "v5tj-kqhc"
PARK_FEATURES = "xrnu-8eiq"


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

    class Handler(QuietHandler):
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
            self.respond(status, body, {"Content-Type": "application/json"} | headers)

    with serving(Handler) as url:
        server_state.url = url
        yield server_state


@contextmanager
def serve_parks(num_parks: int, seed: int) -> Iterator[SodaServer]:
    """Generated Seattle parks served as the two SODA datasets the pipeline reads."""
    addresses, features = generate_parks(num_parks=num_parks, seed=seed)
    with serve_soda({PARKS_ADDRESSES: addresses, PARK_FEATURES: features}) as server:
        yield server
