"""A SODA 2.x client that pages through a whole dataset and never silently loses rows."""

import json
import logging
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import polars as pl
import tenacity

from real_estate.sources.soda import SODA_MAX_LIMIT
from real_estate.text import one_line

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({202, 429, 500, 502, 503, 504})
# A body quoted in an error: its start, however big it is.
_QUOTED_BODY = reprlib.Repr()
_QUOTED_BODY.maxstring = _QUOTED_BODY.maxother = 120


class SocrataError(RuntimeError):
    """The API refused a request or its answer cannot be trusted."""


class SocrataUnavailable(SocrataError):
    """The API could not be reached or kept failing; trying again later may succeed."""


class RetryableResponse(SocrataUnavailable):
    """A response worth trying again (still processing, throttled, server error)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isascii() and value.replace(".", "", 1).isdigit() else None


def _describe(request: httpx.Request) -> str:
    """The request as it may be logged: method and URL, never headers (they carry the token)."""
    return f"{request.method} {request.url}"


def _error_message(body: bytes) -> str:
    """Socrata's own error `message`, or the start of the body when it is not Socrata JSON; bounded,
    on one line."""
    text = body[:2000].decode("utf-8", errors="replace")
    try:
        parsed = json.loads(body)
    except ValueError:
        return one_line(text, 200)
    if isinstance(parsed, dict) and parsed.get("message"):
        return one_line(str(parsed["message"]))
    return one_line(text, 200)


def _read_capped(response: httpx.Response, max_bytes: int, where: str) -> bytes:
    """The body, read as it streams in; refused once it passes `max_bytes`."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SocrataError(
                f"{where} sent more than {max_bytes // 2**20} MB for one page; refusing to read it "
                "(lower the page size or raise max_page_mb)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class FetchedDataset:
    """Every row of a dataset, with what is needed to trust it."""

    dataset_id: str
    url: str
    rows: list[dict[str, object]]
    source_count: int
    pages: int


class SocrataClient:
    """Reads whole SODA datasets: stable `:id` order, `$limit`/`$offset` paging, count reconciliation."""

    def __init__(
        self,
        base_url: str,
        app_token: str | None = None,
        page_size: int = SODA_MAX_LIMIT,
        timeout: httpx.Timeout | None = None,
        max_attempts: int = 6,
        max_retry_seconds: float = 120.0,
        max_page_mb: int = 256,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not 1 <= page_size <= SODA_MAX_LIMIT:
            raise ValueError(f"page_size={page_size}: expected 1 to {SODA_MAX_LIMIT}")
        headers = {"Accept": "application/json"}
        if app_token:
            headers["X-App-Token"] = app_token
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=timeout or httpx.Timeout(60.0, connect=10.0),
            transport=transport,
            follow_redirects=False,
        )
        self.page_size = page_size
        self.max_page_bytes = max_page_mb * 2**20
        self._retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(
                (RetryableResponse, httpx.TransportError, json.JSONDecodeError)
            ),
            wait=self._wait,
            stop=tenacity.stop_after_attempt(max_attempts) | tenacity.stop_after_delay(max_retry_seconds),
            before_sleep=self._log_retry,
            reraise=True,
        )
        self._backoff = tenacity.wait_exponential_jitter(initial=0.5, max=30.0)

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        """Honour `Retry-After` when the server sends it, else exponential backoff with jitter."""
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, RetryableResponse) and error.retry_after is not None:
            return min(error.retry_after, 60.0)
        return self._backoff(retry_state)

    @staticmethod
    def _log_retry(retry_state: tenacity.RetryCallState) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        log.warning("Socrata request failed (attempt %d), retrying: %s", retry_state.attempt_number, error)

    def close(self) -> None:
        self._client.close()

    def _get_json(self, path: str, params: dict[str, str]) -> object:
        """One GET, retried where worth it; clear errors otherwise."""

        def attempt() -> object:
            with self._client.stream("GET", path, params=params) as response:
                where = _describe(response.request)
                if response.is_redirect:
                    # Following it would send the app token to wherever the redirect points.
                    raise SocrataError(
                        f"{where} answered {response.status_code}, a redirect to "
                        f"{one_line(response.headers.get('Location', '(no Location)'))}; not followed. Point "
                        "REAL_ESTATE_SOCRATA_URL at the final address"
                    )
                body = _read_capped(response, self.max_page_bytes, where)
            if response.status_code in RETRYABLE_STATUS:
                raise RetryableResponse(
                    f"{where} answered {response.status_code}: {_error_message(body)}",
                    _retry_after_seconds(response),
                )
            if response.status_code != 200:
                raise SocrataError(f"{where} answered {response.status_code}: {_error_message(body)}")
            content_type = response.headers.get("Content-Type", "")
            if "json" not in content_type:
                # An HTML page (a proxy's or a maintenance page) is not a truncated transfer.
                start = body[:120].decode("utf-8", errors="replace")
                kind = one_line(content_type or "no content type", 100)
                raise SocrataError(f"{where} returned {kind}, not JSON: {start!r}")
            return json.loads(body)

        try:
            return self._retrying(attempt)
        except json.JSONDecodeError as error:
            raise SocrataError(f"GET {path} returned a body that is not valid JSON: {error}") from error
        except httpx.HTTPError as error:
            raise SocrataUnavailable(f"GET {path} failed: {error!r}") from error

    def count(self, dataset_id: str) -> int:
        """The dataset's own row count (`$select=count(*)`)."""
        body = self._get_json(f"/resource/{dataset_id}.json", {"$select": "count(*)"})
        try:
            return int(body[0]["count"])  # type: ignore[index]
        except (TypeError, KeyError, IndexError, ValueError) as error:
            raise SocrataError(
                f"count(*) of {dataset_id} gave an unexpected body: {one_line(_QUOTED_BODY.repr(body))}"
            ) from error

    def pages(self, dataset_id: str) -> Iterator[list[dict[str, object]]]:
        """Every page of the dataset in `:id` order, until a short page."""
        offset = 0
        while True:
            params = {"$limit": str(self.page_size), "$offset": str(offset), "$order": ":id"}
            page = self._get_json(f"/resource/{dataset_id}.json", params)
            if not isinstance(page, list) or not all(isinstance(row, dict) for row in page):
                raise SocrataError(f"page at offset {offset} of {dataset_id} is not a list of rows")
            if len(page) > self.page_size:
                raise SocrataError(
                    f"page at offset {offset} of {dataset_id} has {len(page)} rows "
                    f"for $limit={self.page_size}"
                )
            yield page
            if len(page) < self.page_size:
                return
            offset += len(page)

    def fetch(self, dataset_id: str) -> FetchedDataset:
        """The whole dataset, checked against the source's own count."""
        source_count = self.count(dataset_id)
        rows: list[dict[str, object]] = []
        pages = 0
        for page in self.pages(dataset_id):
            rows.extend(page)
            pages += 1
        if len(rows) != source_count:
            raise SocrataError(
                f"dataset {dataset_id}: received {len(rows)} rows in {pages} pages but the source "
                f"counts {source_count}; refusing to land an incomplete snapshot"
            )
        url = f"{self._client.base_url}/resource/{dataset_id}.json"
        return FetchedDataset(dataset_id, url, rows, source_count, pages)


def rows_to_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """SODA rows as a frame of strings, as received: nested values kept as their JSON text."""
    fields: dict[str, None] = {}
    for row in rows:
        fields.update(dict.fromkeys(row))
    columns: dict[str, list[str | None]] = {field: [] for field in fields}
    for row in rows:
        for field, values in columns.items():
            value = row.get(field)
            if value is None or isinstance(value, str):
                values.append(value)
            elif isinstance(value, (dict, list)):
                values.append(json.dumps(value, sort_keys=True))
            else:
                values.append(json.dumps(value))
    return pl.DataFrame(columns, schema={field: pl.String for field in fields})
