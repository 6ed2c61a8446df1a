"""A local HTTP server standing in for the Slack Web API: records each call, answers ok."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class SlackServer:
    url: str = ""
    calls: list[dict[str, object]] = field(default_factory=list)


@contextmanager
def serve_slack() -> Iterator[SlackServer]:
    state = SlackServer()

    class Handler(BaseHTTPRequestHandler):
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
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/api/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
