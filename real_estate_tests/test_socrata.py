"""The Socrata client against a real HTTP server on 127.0.0.1: paging, retries and clear errors."""

import logging
from collections.abc import Iterator

import pytest

from real_estate.sample.parks import generate_parks
from real_estate.sources.socrata import SocrataClient, SocrataError
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
        (200, b'[{"pmaid": "1", ', {}),
    ],
    ids=["429", "500", "202", "truncated-json"],
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
