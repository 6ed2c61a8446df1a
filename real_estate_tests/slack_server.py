"""A local HTTP server standing in for the Slack Web API: records each call, answers ok."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from real_estate_tests.http_server import QuietHandler, serving


@dataclass
class SlackServer:
    url: str = ""
    calls: list[dict[str, object]] = field(default_factory=list)


@contextmanager
def serve_slack() -> Iterator[SlackServer]:
    state = SlackServer()

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            content_type = self.headers.get("Content-Type", "")
            payload = json.loads(body) if "json" in content_type else dict(parse_qsl(body))
            state.calls.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    **payload,
                }
            )
            answer = json.dumps({"ok": True, "channel": payload.get("channel"), "ts": "1.0"}).encode()
            self.respond(200, answer, {"Content-Type": "application/json"})

    with serving(Handler) as url:
        state.url = f"{url}/api/"
        yield state
