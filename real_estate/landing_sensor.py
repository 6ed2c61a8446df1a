"""The landing sensor: one `ingest_house_sales` run per complete version of each daily drop.

A drop is taken when its version (content hash locally, ETag on S3) is the same at two
evaluations in a row, so a file still being written waits. A version is taken once: a replaced
file (new bytes, whatever its timestamps) is taken again, an unchanged one never. Files that are
not drops (other names, symlinks, folders, days whose partition does not exist yet) are skipped
with their reason, logged once per file version; a day not yet ended is taken once it has.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from real_estate.assets.landing import LANDING_HOUSE_SALES_KEY
from real_estate.automation import HOUSE_SALES_CHAIN, PARKS_CHAIN, SILVER_PARKS_KEY, ingest_house_sales
from real_estate.partitions import daily_partitions
from real_estate.resources.landing import LANDING_VERSION_TAG, LandingFile, LandingZone
from real_estate.text import bounded, name_list

BRONZE_HOUSE_SALES_KEY = dg.AssetKey(["bronze", "house_sales"])

DATA_VERSION_TAG = "dagster/data_version"


def drop_partition(name: str) -> str | None:
    """The day a drop is for, or None when its name is not `<YYYY-MM-DD>.csv` from the first day on."""
    stem, dot, extension = name.rpartition(".")
    if not dot or extension != "csv":
        return None
    try:
        day = dt.date.fromisoformat(stem)
    except ValueError:
        return None
    if day.isoformat() != stem or day < daily_partitions.start.date():
        return None
    return stem


@dataclass
class LandingCursor:
    """What the sensor remembers between evaluations, for the files still in the landing zone.

    `seen`: each file's signature and version at the last evaluation (the version must repeat
    before a drop is taken, and a local content hash is reused while the signature holds).
    `taken`: the version of each drop already requested or found ingested.
    `reported`: the version and reason last logged for each skipped file.
    """

    seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    taken: dict[str, str] = field(default_factory=dict)
    reported: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, cursor: str | None) -> "LandingCursor":
        if not cursor or not cursor.startswith("{"):
            return cls()  # none yet, or a cursor of an earlier release: start afresh
        state = json.loads(cursor)
        return cls(
            {name: tuple(pair) for name, pair in state["seen"].items()}, state["taken"], state["reported"]
        )

    def serialize(self) -> str:
        return json.dumps({"seen": self.seen, "taken": self.taken, "reported": self.reported}, sort_keys=True)


@dataclass(frozen=True)
class Drop:
    """A complete drop to ingest: its file name, day and version."""

    name: str
    partition: str
    version: str


@dataclass
class TickPlan:
    """What one evaluation decided."""

    cursor: LandingCursor
    to_run: list[Drop] = field(default_factory=list)
    already_ingested: list[Drop] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    newly_reported: dict[str, str] = field(default_factory=dict)


def skip_reason(file: LandingFile, partition_exists: Callable[[str], bool]) -> str | None:
    """Why `file` is not (yet) a drop to take, or None when it is one."""
    if file.problem:
        return file.problem
    partition = drop_partition(file.name)
    if partition is None:
        return f"its name is not <YYYY-MM-DD>.csv with a day from {daily_partitions.start.date()} on"
    if not partition_exists(partition):
        return "its day has not ended (UTC), so it has no partition yet; it is taken once the day has ended"
    return None


def plan_tick(
    previous: LandingCursor,
    files: list[tuple[LandingFile, str]],
    partition_exists: Callable[[str], bool],
    ingested: Callable[[Drop], bool],
) -> TickPlan:
    """Decide, from the files present (each with its version), which drops to run and what to report."""
    plan = TickPlan(LandingCursor())
    for file, version in sorted(files, key=lambda pair: pair[0].name):
        plan.cursor.seen[file.name] = (file.signature, version)
        reason = skip_reason(file, partition_exists)
        if reason:
            plan.skipped[file.name] = reason
            plan.cursor.reported[file.name] = f"{version} {reason}"
            if previous.reported.get(file.name) != plan.cursor.reported[file.name]:
                plan.newly_reported[file.name] = reason
            continue
        drop = Drop(file.name, drop_partition(file.name) or "", version)
        if previous.taken.get(file.name) == version:
            plan.cursor.taken[file.name] = version
        elif previous.seen.get(file.name, ("", ""))[1] != version:
            plan.waiting.append(file.name)  # new or still changing: take it once it holds still
        else:
            plan.cursor.taken[file.name] = version
            (plan.already_ingested if ingested(drop) else plan.to_run).append(drop)
    return plan


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


def run_request(drop: Drop, ingested: Ingested, have_parks: bool) -> dg.RunRequest:
    """The run that ingests `drop`, and the day's parks when they are not there yet.

    Its run key names the ingestion it follows too, so a drop put back to an earlier version
    (A, then B, then A again) is still a new run to the daemon, which never repeats a run key,
    while a tick evaluated twice asks for the same run.
    """
    return dg.RunRequest(
        run_key=f"{drop.name}:{drop.version}:after-{ingested.event_id}",
        partition_key=drop.partition,
        asset_selection=HOUSE_SALES_CHAIN if have_parks else HOUSE_SALES_CHAIN + PARKS_CHAIN,
        tags={"landing_file": drop.name, LANDING_VERSION_TAG: drop.version},
    )


def observation(drop: Drop) -> dg.AssetObservation:
    """The landing source asset's version for the drop's day: bronze shows stale when it moves."""
    return dg.AssetObservation(
        asset_key=LANDING_HOUSE_SALES_KEY,
        partition=drop.partition,
        tags={DATA_VERSION_TAG: drop.version},
        metadata={"file": drop.name, "version": drop.version},
    )


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
    """Skipped files with their reasons, bounded like any text a producer chose."""
    return name_list([f"{name} ({reason})" for name, reason in skipped.items()])


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
    files = [(file, landing.version_of(file, previous.seen)) for file in landing.list_files()]
    plan = plan_tick(
        previous,
        files,
        partition_exists=daily_partitions.has_partition_key,
        ingested=lambda drop: latest_ingested(context.instance, drop.partition).version == drop.version,
    )
    for name, reason in plan.newly_reported.items():
        context.log.warning(f"Landing file {bounded(name)} skipped: {reason}")
    have_parks = set(context.instance.get_materialized_partitions(SILVER_PARKS_KEY))
    requests = [
        run_request(drop, latest_ingested(context.instance, drop.partition), drop.partition in have_parks)
        for drop in plan.to_run
    ]
    return dg.SensorResult(
        run_requests=requests,
        skip_reason=None if requests else dg.SkipReason(summary(plan)),
        cursor=plan.cursor.serialize(),
        asset_events=[observation(drop) for drop in plan.to_run + plan.already_ingested],
    )
