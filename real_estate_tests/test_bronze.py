"""Bronze parks through Dagster against a live-like SODA server on 127.0.0.1."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from real_estate.assets.bronze import PARK_FEATURES_KEY, field_drift_check
from real_estate_tests.conftest import local_env, make_pipeline
from real_estate_tests.soda_server import SodaServer, serve_parks

DAY = dt.date(2026, 6, 1)
PARKS = dg.AssetSelection.assets(["bronze", "parks_addresses"], ["bronze", "park_features"])


@pytest.fixture
def soda() -> Iterator[SodaServer]:
    with serve_parks(num_parks=800, seed=5) as server:
        yield server


def test_lands_every_row_once_through_throttling_and_server_errors(
    soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}, instance)
    soda.fail_next(429, {"message": "slow down"}, **{"Retry-After": "0"})
    soda.fail_next(503, {"message": "unavailable"})

    result = pipeline.materialize(DAY, PARKS)

    assert result.success
    for dataset_id, key in (("v5tj-kqhc", "bronze/parks_addresses"), ("xrnu-8eiq", "bronze/park_features")):
        landed = pipeline.lake_frame(key, DAY)
        expected = soda.datasets[dataset_id]
        assert len(expected) > 1000 and landed.height == len(expected)
        assert landed["pmaid"].to_list() == [row["pmaid"] for row in expected]
    metadata = result.asset_materializations_for_node("bronze__parks_addresses")[0].metadata
    assert metadata["source_url"].value == f"{soda.url}/resource/v5tj-kqhc.json"
    assert metadata["source_row_count"].value == len(soda.datasets["v5tj-kqhc"])


def test_a_refused_request_fails_clearly_and_writes_nothing(
    soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}, instance)
    soda.fail_next(403, {"code": "forbidden", "error": True, "message": "Invalid app_token specified"})

    result = pipeline.materialize(
        DAY, dg.AssetSelection.assets(["bronze", "parks_addresses"]), raise_on_error=False
    )

    assert not result.success
    message = result.failure_data_for_node("bronze__parks_addresses").error.message
    assert "bronze/parks_addresses [2026-06-01]" in message and "Invalid app_token specified" in message
    assert not (Path(pipeline.settings.lake_url) / "bronze" / "parks_addresses").exists()
    assert len(soda.requests) == 1, "a refused request is not retried"


def test_a_refusal_with_a_5_mb_message_fails_with_a_bounded_description(
    soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}, instance)
    soda.fail_next(403, {"code": "forbidden", "error": True, "message": "<!channel> " + "x" * 5_000_000})

    result = pipeline.materialize(
        DAY, dg.AssetSelection.assets(["bronze", "parks_addresses"]), raise_on_error=False
    )

    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data
    description = failure.user_failure_data.description
    assert "bronze/parks_addresses [2026-06-01]" in description and "403: <!channel> xxx" in description
    assert len(description) < 2_000 and len(failure.error.message) < 2_000
    assert failure.error.cause is None or len(failure.error.cause.message) < 2_000


def test_bundled_sample_goes_through_the_same_client(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    pipeline = make_pipeline(local_env(tmp_path), instance)

    assert pipeline.materialize(DAY, PARKS).success
    features = pipeline.lake_frame("bronze/park_features", DAY)
    assert features.height > 1000 and set(features.schema.values()) == {pl.String}


def test_schema_drift_warns_but_lands(soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance) -> None:
    soda.datasets["xrnu-8eiq"] = [row | {"feature_area_sqft": "120"} for row in soda.datasets["xrnu-8eiq"]]
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}, instance)

    result = pipeline.materialize(DAY, dg.AssetSelection.assets(["bronze", "park_features"]))

    assert result.success
    drift = next(c for c in result.get_asset_check_evaluations() if c.check_name == "schema_drift")
    assert not drift.passed and drift.severity == dg.AssetCheckSeverity.WARN
    assert drift.metadata["fields_added"].value == "feature_area_sqft"
    assert pipeline.lake_frame("bronze/park_features", DAY)["feature_area_sqft"][0] == "120"


def test_schema_drift_of_thousands_of_huge_field_names_is_described_bounded() -> None:
    fields = [f"<!channel> {n} " + "x" * 10_000 for n in range(5_000)]

    drift = field_drift_check(PARK_FEATURES_KEY, ["pmaid", *fields], {"pmaid", "feature_desc"}, "2026-06-01")

    assert not drift.passed
    assert "<!channel> 0 x" in drift.description and "and 4980 more" in drift.description
    assert "feature_desc" in drift.description and len(drift.description) < 5_000
    assert len(drift.metadata["fields_added"].value) < 5_000
    assert drift.description.startswith("fields changed")
    passing = field_drift_check(PARK_FEATURES_KEY, ["pmaid"], {"pmaid"}, "2026-06-01")
    assert passing.passed and passing.description == "fields as expected: the 1 known, none added or removed"


@pytest.mark.parametrize("fault", ["missing required field", "count mismatch", "HTML instead of JSON"])
def test_each_failure_ends_clearly_with_no_partition_written(
    fault: str, soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    if fault == "missing required field":
        soda.datasets["v5tj-kqhc"] = [
            {k: v for k, v in row.items() if k != "zip_code"} for row in soda.datasets["v5tj-kqhc"]
        ]
        expected = "zip_code"
    elif fault == "count mismatch":
        soda.fail_next(200, [{"count": "12"}])
        expected = "but the source counts 12"
    else:
        soda.fail_next(200, b"<html>Service temporarily down</html>", **{"Content-Type": "text/html"})
        expected = "text/html, not JSON"
    env = local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}
    pipeline = make_pipeline(env, instance)

    result = pipeline.materialize(
        DAY, dg.AssetSelection.assets(["bronze", "parks_addresses"]), raise_on_error=False
    )

    assert not result.success
    message = result.failure_data_for_node("bronze__parks_addresses").error.message
    assert "bronze/parks_addresses" in message and "2026-06-01" in message and expected in message
    assert not (Path(pipeline.settings.lake_url) / "bronze" / "parks_addresses").exists()


def test_a_day_with_a_stored_snapshot_keeps_it_unless_the_run_asks_to_refetch(
    soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}, instance)
    first = pipeline.materialize(DAY, PARKS)
    stored = pipeline.lake_frame("bronze/parks_addresses", DAY)
    soda.datasets["v5tj-kqhc"] = soda.datasets["v5tj-kqhc"][:500]  # the source moves on
    asked_before = len(soda.requests)

    again = pipeline.materialize(DAY, PARKS)

    assert pipeline.lake_frame("bronze/parks_addresses", DAY).equals(stored)
    assert not [path for path, _, _ in soda.requests[asked_before:] if "v5tj-kqhc" in path]
    fetched = first.asset_materializations_for_node("bronze__parks_addresses")[0].metadata
    kept = again.asset_materializations_for_node("bronze__parks_addresses")[0].metadata
    assert fetched["snapshot"].value == "fetched" and kept["snapshot"].value == "kept"
    assert kept["fetched_at"] == fetched["fetched_at"]
    lag = (dt.datetime.now(dt.UTC).date() - DAY).days - 1
    assert fetched["fetched_days_after_partition"].value == lag

    refetch = {"ops": {"bronze__parks_addresses": {"config": {"refetch": True}}}}
    assert pipeline.materialize(DAY, PARKS, run_config=refetch).success
    assert pipeline.lake_frame("bronze/parks_addresses", DAY).height == 500


def data_version(result: dg.ExecuteInProcessResult, node: str) -> str:
    """The data version a run recorded for one bronze asset's materialization."""
    return result.asset_materializations_for_node(node)[0].tags["dagster/data_version"]


def test_a_kept_snapshot_is_not_written_again_and_keeps_its_data_version(
    soda: SodaServer, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_SOCRATA_URL": soda.url}, instance)
    fetched = pipeline.materialize(DAY, PARKS)
    files = {
        name: Path(pipeline.settings.lake_url) / "bronze" / name / f"{DAY}.parquet"
        for name in ("parks_addresses", "park_features")
    }
    before = {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in files.items()}

    kept = pipeline.materialize(DAY, PARKS)

    assert {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in files.items()} == before
    for node in ("bronze__parks_addresses", "bronze__park_features"):
        assert data_version(kept, node) == data_version(fetched, node), node

    soda.datasets["v5tj-kqhc"] = soda.datasets["v5tj-kqhc"][:500]  # the source moves on
    refetch = {"ops": {"bronze__parks_addresses": {"config": {"refetch": True}}}}
    refetched = pipeline.materialize(DAY, PARKS, run_config=refetch)
    assert data_version(refetched, "bronze__parks_addresses") != data_version(
        fetched, "bronze__parks_addresses"
    )
    assert data_version(refetched, "bronze__park_features") == data_version(fetched, "bronze__park_features")
