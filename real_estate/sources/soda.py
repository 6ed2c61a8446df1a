"""The SODA 2.x semantics this project relies on, served from rows held in memory.

Used as the embedded default source (the bundled sample parks, served through the same HTTP
client code as the live API) and by the tests' local HTTP server.
"""

import json
import re
from collections.abc import Mapping, Sequence

Rows = Sequence[Mapping[str, object]]

RESOURCE_PATH = re.compile(r"^/resource/(?P<dataset>[a-z0-9]{4}-[a-z0-9]{4})\.json$")
SODA_MAX_LIMIT = 50_000


def soda_error(status: int, code: str, message: str) -> tuple[int, bytes]:
    """An error response in Socrata's own JSON shape."""
    body = {"code": code, "error": True, "message": message, "data": {}}
    return status, json.dumps(body).encode()


def soda_response(datasets: Mapping[str, Rows], path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
    """Answer `GET <path>?<params>` as SODA would: paging, `:id` order and `count(*)`."""
    match = RESOURCE_PATH.match(path)
    if not match or match["dataset"] not in datasets:
        return soda_error(404, "not_found", f"Dataset not found: {path}")
    rows = list(datasets[match["dataset"]])
    if params.get("$select", "").replace(" ", "").lower() == "count(*)":
        return 200, json.dumps([{"count": str(len(rows))}]).encode()
    try:
        limit = int(params.get("$limit", "1000"))
        offset = int(params.get("$offset", "0"))
    except ValueError:
        return soda_error(400, "query.compiler.malformed", "Invalid $limit or $offset")
    if not 0 <= limit <= SODA_MAX_LIMIT or offset < 0:
        return soda_error(400, "query.compiler.malformed", f"$limit must be 0 to {SODA_MAX_LIMIT}")
    return 200, json.dumps(rows[offset : offset + limit]).encode()
