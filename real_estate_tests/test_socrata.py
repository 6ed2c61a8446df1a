"""The Socrata client against a real HTTP server on 127.0.0.1: paging, retries and clear errors."""

import logging
from collections.abc import Iterator

import polars as pl
import pytest

from real_estate.sample.parks import generate_parks
from real_estate.sources.socrata import SocrataClient, SocrataError, rows_to_frame
from real_estate_tests.http_server import QuietHandler, serving
from real_estate_tests.soda_server import SodaServer, serve_soda

ADDRESSES_ID = "v5tj-kqhc"
FEATURES_ID = "xrnu-8eiq"
TOKEN = "secret-app-token-123"


@pytest.fixture(scope="module")
def parks() -> tuple[list[dict], list[dict]]:
    return generate_parks(num_parks=900, seed=11)


@pytest.fixture
def soda(parks: tuple[list[dict], list[dict]]) -> Iterator[SodaServer]:
    addresses, features = parks
    with serve_soda({ADDRESSES_ID: addresses, FEATURES_ID: features}) as server:
        yield server


def client(server: SodaServer, **options: object) -> SocrataClient:
    return SocrataClient(server.url, max_retry_seconds=10, **options)


def test_pages_through_every_row_exactly_once(soda: SodaServer, parks: tuple[list[dict], list[dict]]) -> None:
    addresses, _ = parks
    assert len(addresses) > 1000

    fetched = client(soda, page_size=400).fetch(ADDRESSES_ID)

    assert fetched.rows == addresses
    assert fetched.source_count == len(addresses) and fetched.pages == len(addresses) // 400 + 1
    pages = soda.data_requests()
    assert [int(p["$offset"]) for p in pages] == list(range(0, len(addresses) + 1, 400))[: fetched.pages]
    assert all(p["$order"] == ":id" and p["$limit"] == "400" for p in pages)


@pytest.mark.parametrize(
    "fault",
    [
        (429, {"code": "throttled", "error": True, "message": "Too many requests"}, {"Retry-After": "0"}),
        (500, {"code": "internal", "error": True, "message": "boom"}, {}),
        (202, [], {"Retry-After": "0"}),
        (503, {"message": "busy"}, {"Retry-After": "²"}),  # not a number: backoff instead
        (200, b'[{"pmaid": "1", ', {}),
    ],
    ids=["429", "500", "202", "retry-after-not-ascii", "truncated-json"],
)
def test_retries_what_is_worth_retrying(soda: SodaServer, fault: tuple, parks: tuple) -> None:
    status, body, headers = fault
    soda.fail_next(status, body, **headers)

    fetched = client(soda, page_size=5000).fetch(FEATURES_ID)

    assert len(fetched.rows) == len(parks[1])


def test_fails_at_once_on_403_with_socratas_message(soda: SodaServer) -> None:
    soda.fail_next(
        403, {"code": "permission_denied", "error": True, "message": "Invalid app_token specified"}
    )

    with pytest.raises(SocrataError, match=r"403: Invalid app_token specified") as raised:
        client(soda).fetch(ADDRESSES_ID)

    assert f"/resource/{ADDRESSES_ID}.json" in str(raised.value)
    assert len(soda.requests) == 1


def test_a_count_mismatch_refuses_to_land(soda: SodaServer) -> None:
    soda.fail_next(200, [{"count": "5"}])

    with pytest.raises(SocrataError, match=r"received \d+ rows in \d+ pages but the source counts 5"):
        client(soda).fetch(FEATURES_ID)


def test_sends_the_app_token_and_never_logs_it(soda: SodaServer, caplog: pytest.LogCaptureFixture) -> None:
    soda.fail_next(500, {"message": "try again"})
    soda.fail_next(404, {"code": "not_found", "error": True, "message": "no such dataset"})

    with caplog.at_level(logging.DEBUG), pytest.raises(SocrataError) as raised:
        client(soda, app_token=TOKEN).fetch(ADDRESSES_ID)

    assert all(headers.get("X-App-Token") == TOKEN for _, _, headers in soda.requests)
    assert TOKEN not in caplog.text and TOKEN not in str(raised.value)
    assert "retrying" in caplog.text


def test_a_body_that_stays_invalid_json_fails_clearly(soda: SodaServer) -> None:
    for _ in range(3):
        soda.fail_next(200, b'[{"pmaid": ')

    with pytest.raises(SocrataError, match="not valid JSON"):
        SocrataClient(soda.url, max_attempts=3, max_retry_seconds=5).fetch(FEATURES_ID)

    assert len(soda.requests) == 3


def test_a_redirect_to_another_host_is_not_followed_with_the_token(soda: SodaServer) -> None:
    seen: list[dict[str, str]] = []

    class Elsewhere(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            seen.append(dict(self.headers))
            self.respond(200, b"[]", {"Content-Type": "application/json"})

    with serving(Elsewhere) as other_host:
        soda.fail_next(302, Location=f"{other_host}/resource/{ADDRESSES_ID}.json")
        with pytest.raises(SocrataError, match=rf"answered 302, a redirect to {other_host}/.*not followed"):
            client(soda, app_token=TOKEN).fetch(ADDRESSES_ID)

    assert seen == []


def test_a_page_bigger_than_the_cap_is_refused_while_streaming(soda: SodaServer) -> None:
    soda.fail_next(200, b"[" + b'{"pmaid": "1"},' * 200_000 + b'{"pmaid": "2"}]')  # about 3 MB

    with pytest.raises(SocrataError, match="sent more than 1 MB for one page; refusing to read it"):
        client(soda, max_page_mb=1).fetch(ADDRESSES_ID)


def test_a_page_with_more_rows_than_asked_for_is_refused(soda: SodaServer, parks: tuple) -> None:
    soda.fail_next(200, [{"count": "3"}])
    soda.fail_next(200, [{"pmaid": str(n)} for n in range(3)])

    with pytest.raises(SocrataError, match=r"has 3 rows for \$limit=2"):
        client(soda, page_size=2).fetch(ADDRESSES_ID)


def test_nested_and_non_string_values_land_as_their_json_text(soda: SodaServer) -> None:
    rows = [
        {"pmaid": "1", "location_1": {"type": "Point", "coordinates": [-122.3, 47.6]}, "zip_code": 98103},
        {"pmaid": "2", "tags": ["a", "b"], "open": True, "zip_code": None},
    ]
    soda.datasets["nest-ed01"] = rows

    frame = rows_to_frame(client(soda).fetch("nest-ed01").rows)

    assert frame.schema == pl.Schema(
        dict.fromkeys(["pmaid", "location_1", "zip_code", "tags", "open"], pl.String)
    )
    assert frame.row(0, named=True) == {
        "pmaid": "1",
        "location_1": '{"coordinates": [-122.3, 47.6], "type": "Point"}',
        "zip_code": "98103",
        "tags": None,
        "open": None,
    }
    assert frame.row(1, named=True)["tags"] == '["a", "b"]' and frame.row(1, named=True)["open"] == "true"


HUGE = "<!channel> " + "x" * 5_000_000  # 5 MB of server text


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"code": "forbidden", "error": True, "message": HUGE}),
        (200, [{"count": HUGE}]),
        (200, [{"rows": HUGE}]),
    ],
    ids=["403-message", "count-value", "count-body"],
)
def test_server_text_in_an_error_is_bounded(soda: SodaServer, status: int, body: object) -> None:
    soda.fail_next(status, body)

    with pytest.raises(SocrataError) as raised:
        client(soda).fetch(ADDRESSES_ID)

    message = str(raised.value)
    assert "<!channel> xxx" in message and len(message) < 1_000, len(message)


def test_server_text_in_a_retry_log_is_bounded(soda: SodaServer, caplog: pytest.LogCaptureFixture) -> None:
    soda.fail_next(503, {"message": HUGE}, **{"Retry-After": "0"})

    with caplog.at_level(logging.WARNING):
        client(soda).fetch(FEATURES_ID)

    [retry] = [record.getMessage() for record in caplog.records if "retrying" in record.getMessage()]
    assert "503: <!channel> xxx" in retry and len(retry) < 1_000, len(retry)
