"""Bronze: the day's raw snapshot of each source, exactly as received (every value a string)."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import pandera.polars as pa
import polars as pl
from pydantic import Field

from real_estate.assets.common import DATA_ENGINEERING, NETWORK_RETRY, partition_day
from real_estate.assets.landing import LANDING_HOUSE_SALES_KEY
from real_estate.checks import CheckedOutput, publish_checked, schema_check_spec
from real_estate.metadata import model_metadata
from real_estate.partitions import daily_partitions
from real_estate.resources.lake import StagedParquet, StoredPartition
from real_estate.resources.landing import LANDING_VERSION_TAG, LandingZone
from real_estate.resources.socrata import SocrataResource
from real_estate.schemas.bronze import HouseSalesBronze, ParkFeaturesBronze, ParksAddressesBronze
from real_estate.sources.socrata import SocrataError, SocrataUnavailable, rows_to_frame
from real_estate.storage import staging
from real_estate.text import name_list
from real_estate.transforms.versions import content_version

PARKS_ADDRESSES_KEY = dg.AssetKey(["bronze", "parks_addresses"])
PARK_FEATURES_KEY = dg.AssetKey(["bronze", "park_features"])
BRONZE_HOUSE_SALES_KEY = dg.AssetKey(["bronze", "house_sales"])
SCHEMA_DRIFT_CHECK = "schema_drift"


def field_drift_check(
    key: dg.AssetKey, fields_seen: list[str], expected: set[str], partition_key: str
) -> dg.AssetCheckResult:
    """A warning when the source's fields differ from those this pipeline knows (the source names
    them: listed bounded)."""
    added = name_list(sorted(set(fields_seen) - expected)) or "none"
    removed = name_list(sorted(expected - set(fields_seen))) or "none"
    passed = added == removed == "none"
    return dg.AssetCheckResult(
        check_name=SCHEMA_DRIFT_CHECK,
        asset_key=key,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"partition": partition_key, "fields_added": added, "fields_removed": removed},
        description=f"fields as expected: the {len(expected)} known, none added or removed"
        if passed
        else f"fields changed: added {added}; removed {removed}",
    )


class SnapshotConfig(dg.Config):
    """Run config of a Socrata snapshot."""

    refetch: bool = Field(
        default=False,
        description="Fetch the source again even when the day already has a stored snapshot, replacing it.",
    )


SNAPSHOT_METADATA = (
    "source_url",
    "dataset_id",
    "source_row_count",
    "pages",
    "fields_seen",
    "fetched_at",
    "fetched_days_after_partition",
)


def stored_snapshot(context: dg.AssetExecutionContext, key: dg.AssetKey) -> tuple[pl.DataFrame, dict] | None:
    """The day's snapshot already in the lake, with what its fetch recorded; None when there is none.

    Past snapshots are history: a re-run or backfill of the day keeps what was fetched then.
    """
    stored = context.resources.io_manager.read_partition(key, context.partition_key)
    if stored is None:
        return None
    frame, _ = stored
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[context.partition_key]), limit=1
    ).records
    recorded = records[0].asset_materialization.metadata if records else {}
    metadata = {name: recorded[name] for name in SNAPSHOT_METADATA if name in recorded}
    return frame, {"fetched_at": "unknown"} | metadata | {"snapshot": "kept"}


def fetch_snapshot(
    context: dg.AssetExecutionContext, key: dg.AssetKey, dataset_id: str, socrata: SocrataResource
) -> tuple[pl.DataFrame, dict]:
    """The source's current state, with when it was fetched and how long after the day ended."""
    client = socrata.client()
    try:
        fetched = client.fetch(dataset_id)
    except SocrataUnavailable:
        raise  # the step's RetryPolicy tries again later
    except SocrataError as error:
        raise dg.Failure(
            description=f"{key.to_user_string()} [{context.partition_key}]: {error}",
            allow_retries=False,
        ) from error
    finally:
        client.close()
    frame = rows_to_frame(fetched.rows)
    context.log.info(
        f"{key.to_user_string()} [{context.partition_key}]: {frame.height} rows of {dataset_id} "
        f"in {fetched.pages} pages"
    )
    fetched_at = dt.datetime.now(dt.UTC)
    return frame, {
        "snapshot": "fetched",
        "source_url": "bundled sample" if socrata.is_sample else fetched.url,
        "dataset_id": dataset_id,
        "source_row_count": fetched.source_count,
        "pages": fetched.pages,
        "fields_seen": name_list(frame.columns, limit=100),
        "fetched_at": fetched_at.isoformat(timespec="seconds"),
        "fetched_days_after_partition": (fetched_at.date() - partition_day(context)).days - 1,
    }


def socrata_snapshot_asset(
    key: dg.AssetKey,
    dataset_id_field: str,
    model: type[pa.DataFrameModel],
    optional_fields: set[str],
    description: str,
) -> dg.AssetsDefinition:
    """A bronze asset holding the day's full snapshot of one SODA dataset.

    The snapshot's data version is a hash of its content: a kept snapshot is published again as
    stored, not rewritten, with the version it was fetched with, so nothing downstream sees a change.
    `optional_fields` are fields the source may send beyond the model's columns (e.g. a
    location only on recent rows); any other new or missing field is reported as drift.
    """
    expected_fields = set(model.to_schema().columns) | optional_fields

    @dg.asset(
        key=key,
        description=description,
        group_name="bronze",
        partitions_def=daily_partitions,
        owners=[DATA_ENGINEERING],
        kinds={"socrata", "polars", "parquet"},
        metadata=model_metadata(model),
        retry_policy=NETWORK_RETRY,
        check_specs=[
            schema_check_spec(key, model),
            dg.AssetCheckSpec(
                SCHEMA_DRIFT_CHECK,
                asset=key,
                description="Warns when the source adds or drops fields.",
            ),
        ],
    )
    def snapshot(
        context: dg.AssetExecutionContext, config: SnapshotConfig, socrata: SocrataResource
    ) -> Iterator[dg.Output | dg.AssetCheckResult]:
        stored = None if config.refetch else stored_snapshot(context, key)
        if stored is not None:
            frame, metadata = stored
            value: pl.DataFrame | StoredPartition = StoredPartition(frame)
            context.log.info(
                f"{key.to_user_string()} [{context.partition_key}]: kept the stored snapshot fetched at "
                f"{metadata['fetched_at']} ({frame.height} rows); run with refetch to replace it"
            )
        else:
            frame, metadata = fetch_snapshot(context, key, getattr(socrata, dataset_id_field), socrata)
            value = frame
        drift = field_drift_check(key, frame.columns, expected_fields, context.partition_key)
        if not drift.passed:
            context.log.warning(
                f"{key.to_user_string()} [{context.partition_key}]: schema drift, {drift.description}"
            )
        yield drift
        version = dg.DataVersion(content_version(frame))
        yield from publish_checked(
            context, [CheckedOutput(key, value, model, metadata=metadata, data_version=version)]
        )

    return snapshot


parks_addresses = socrata_snapshot_asset(
    PARKS_ADDRESSES_KEY,
    "parks_addresses_id",
    ParksAddressesBronze,
    {"location_1"},
    "Seattle Park Addresses (Socrata v5tj-kqhc): the day's full snapshot, as received.",
)
park_features = socrata_snapshot_asset(
    PARK_FEATURES_KEY,
    "park_features_id",
    ParkFeaturesBronze,
    set(),
    "Seattle Park Features By PMAID (Socrata xrnu-8eiq): the day's full snapshot, as received.",
)


@dg.asset(
    key=BRONZE_HOUSE_SALES_KEY,
    deps=[LANDING_HOUSE_SALES_KEY],
    group_name="bronze",
    partitions_def=daily_partitions,
    owners=[DATA_ENGINEERING],
    kinds={"csv", "polars", "parquet"},
    metadata=model_metadata(HouseSalesBronze),
    retry_policy=NETWORK_RETRY,
    check_specs=[schema_check_spec(BRONZE_HOUSE_SALES_KEY, HouseSalesBronze)],
)
def house_sales(
    context: dg.AssetExecutionContext, landing: LandingZone
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """The day's house-sales drop from the landing zone (`house_sales/<date>.csv`), as received."""
    # A run started by the landing sensor reads only the drop version it was started for.
    expected = context.run.tags.get(LANDING_VERSION_TAG)
    drop = landing.read_house_sales(partition_day(context))
    context.log.info(f"bronze/house_sales [{context.partition_key}]: staging {drop.path} in the lake")
    with staging() as folder:
        staged = StagedParquet(folder / "house_sales.parquet")
        version = drop.stage(str(staged.path), expected_version=expected)
        yield from publish_checked(
            context,
            [
                CheckedOutput(
                    BRONZE_HOUSE_SALES_KEY,
                    staged,
                    HouseSalesBronze,
                    metadata={"source_url": str(drop.path), "landing_version": version},
                    data_version=dg.DataVersion(version),
                )
            ],
        )
