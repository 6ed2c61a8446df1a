"""The landing sensor: one `ingest_house_sales` run per complete version of each daily drop.

What to run is decided by `landing_plan.py` from the files listed and what the instance knows of
each version (ingested by bronze, a run in flight, failed runs); this module asks the instance
and turns the decisions into run requests, observations and log lines.
"""

import functools
import time
from collections.abc import Iterable, Set
from dataclasses import dataclass

import dagster as dg

from real_estate.assets.bronze import BRONZE_HOUSE_SALES_KEY
from real_estate.assets.landing import LANDING_HOUSE_SALES_KEY
from real_estate.assets.silver import SILVER_PARKS_KEY
from real_estate.automation import HOUSE_SALES_CHAIN, PARKS_CHAIN, ingest_house_sales
from real_estate.landing_plan import Drop, DropState, LandingCursor, TickPlan, plan_tick
from real_estate.partitions import loaded_partitions
from real_estate.resources.landing import LANDING_VERSION_TAG, LandingZone
from real_estate.text import MAX_NAMES, bounded, name_list

DATA_VERSION_TAG = "dagster/data_version"
LANDING_FILE_TAG = "landing_file"
IN_FLIGHT = (
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
FAILED = (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def now() -> float:
    """The current Unix time (a function, so tests can move the clock)."""
    return time.time()


@dataclass(frozen=True)
class Ingested:
    """bronze/house_sales' latest materialization of a day: the drop version it read, and its event."""

    version: str | None = None
    event_id: int = 0


def latest_ingested(instance: dg.DagsterInstance, partition: str) -> Ingested:
    """What bronze/house_sales last ingested for `partition` (nothing yet: an empty `Ingested`)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=BRONZE_HOUSE_SALES_KEY, asset_partitions=[partition]), limit=1
    ).records
    if not records:
        return Ingested()
    return Ingested(records[0].asset_materialization.tags.get(DATA_VERSION_TAG), records[0].storage_id)


def drop_state(instance: dg.DagsterInstance, drop: Drop, ingested: Ingested) -> DropState:
    """Whether bronze ingested this drop version, and what became of the runs started for it."""
    records = instance.get_run_records(
        dg.RunsFilter(tags={LANDING_FILE_TAG: drop.name, LANDING_VERSION_TAG: drop.version}), limit=20
    )
    failures = [record for record in records if record.dagster_run.status in FAILED]
    return DropState(
        ingested=ingested.version == drop.version,
        in_flight=any(record.dagster_run.status in IN_FLIGHT for record in records),
        failed_runs=len(failures),
        last_failure=max((record.end_time or 0.0 for record in failures), default=None),
    )


def run_request(drop: Drop, attempt: int, ingested: Ingested, keys: Set[dg.AssetKey]) -> dg.RunRequest:
    """The run that ingests `drop` into `keys` (with the day's parks when they are not there yet).

    Its run key names the ingestion it follows and the attempt too, so a drop put back to an
    earlier version (A, then B, then A again) or tried again after a failed run is still a new run
    to the daemon, which never repeats a run key, while a tick evaluated twice asks for the same run.
    """
    return dg.RunRequest(
        run_key=f"{drop.name}:{drop.version}:after-{ingested.event_id}:try-{attempt}",
        partition_key=drop.partition,
        asset_selection=sorted(keys),
        tags={LANDING_FILE_TAG: drop.name, LANDING_VERSION_TAG: drop.version},
    )


def observations(drops: Iterable[Drop]) -> list[dg.AssetObservation]:
    """The landing source asset's version for each drop's day: bronze shows stale when it moves."""
    return [
        dg.AssetObservation(
            asset_key=LANDING_HOUSE_SALES_KEY,
            partition=drop.partition,
            tags={DATA_VERSION_TAG: drop.version},
            metadata={"file": drop.name, "version": drop.version},
        )
        for drop in drops
    ]


def summary(plan: TickPlan) -> str:
    """One line for the tick: what waits, what was found ingested, what is skipped and why."""
    parts = []
    if plan.waiting:
        parts.append(f"waiting for {len(plan.waiting)} drops to stay unchanged: {name_list(plan.waiting)}")
    if plan.already_ingested:
        parts.append(f"{len(plan.already_ingested)} drops already ingested (a backfill, say)")
    if plan.skipped:
        parts.append(f"skipped {len(plan.skipped)} files: {reasons(plan.skipped)}")
    return "; ".join(parts) or "no new house-sales drops"


def reasons(skipped: dict[str, str]) -> str:
    """Skipped files with their reasons; the names, chosen by producers, bounded."""
    listed = [f"{bounded(name)} ({reason})" for name, reason in list(skipped.items())[:MAX_NAMES]]
    more = len(skipped) - MAX_NAMES
    return ", ".join(listed) + (f" and {more} more" if more > 0 else "")


@dg.sensor(
    name="house_sales_landing_sensor",
    job=ingest_house_sales,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts ingest_house_sales once for each complete version of house_sales/<YYYY-MM-DD>.csv "
        "in the landing zone (unchanged across two evaluations); skips other files with a reason."
    ),
)
def house_sales_landing_sensor(context: dg.SensorEvaluationContext, landing: LandingZone) -> dg.SensorResult:
    previous = LandingCursor.parse(context.cursor)
    ingested = functools.cache(functools.partial(latest_ingested, context.instance))  # one look-up a day
    repository = context.repository_def
    plan = plan_tick(
        previous,
        landing.list_files(previous.seen),
        partitions=loaded_partitions(repository, BRONZE_HOUSE_SALES_KEY),
        state_of=lambda drop: drop_state(context.instance, drop, ingested(drop.partition)),
        now=now(),
    )
    for name, reason in plan.newly_reported.items():
        context.log.warning(f"Landing file {bounded(name)} skipped: {reason}")
    have_parks = set(context.instance.get_materialized_partitions(SILVER_PARKS_KEY))
    house_sales, parks = (chain.resolve(repository.asset_graph) for chain in (HOUSE_SALES_CHAIN, PARKS_CHAIN))
    requests = [
        run_request(
            drop,
            attempt,
            ingested(drop.partition),
            house_sales if drop.partition in have_parks else house_sales | parks,
        )
        for drop, attempt in plan.to_run
    ]
    return dg.SensorResult(
        run_requests=requests,
        skip_reason=None if requests else dg.SkipReason(summary(plan)),
        cursor=plan.cursor.serialize(),
        asset_events=observations([drop for drop, _ in plan.to_run] + plan.already_ingested),
    )
