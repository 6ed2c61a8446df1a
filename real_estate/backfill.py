"""`real-estate-backfill`: materialize a range of daily partitions, one run each, and report them.

Dagster's own backfills (from the UI, or `dagster job backfill`) need the daemon that
`dagster dev` runs; this command needs nothing running, which suits CI and one-off repairs.
Each day is its own run on the instance, so the UI shows them, and a failed day does not stop
the others: the report names each failed day with the reason. Unpartitioned assets (the model)
are left out of the daily runs: train it once afterwards with
`dagster asset materialize -m real_estate.definitions --select ml/price_model`.
"""

import argparse
import datetime as dt
import sys
from dataclasses import dataclass

import dagster as dg

UPSTREAM_OF_MODEL = dg.AssetSelection.groups("bronze", "silver", "gold")


@dataclass(frozen=True)
class DayOutcome:
    """What the run of one partition did."""

    day: dt.date
    run_id: str
    success: bool
    reason: str


def _failure_reason(result: dg.ExecuteInProcessResult) -> str:
    reasons = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        first_line = (error.message if error else "failed").strip().splitlines()[0]
        reasons.append(f"{event.step_key}: {first_line[:400]}")
    return "; ".join(reasons) or "run failed"


def run_backfill(
    defs: dg.Definitions, instance: dg.DagsterInstance, days: list[dt.date], selection: dg.AssetSelection
) -> list[DayOutcome]:
    """One in-process run per day over the daily-partitioned assets of `selection`; every day is attempted."""
    job = defs.resolve_implicit_global_asset_job_def()
    graph = defs.resolve_asset_graph()
    keys = [key for key in selection.resolve(graph) if graph.get(key).partitions_def is not None]
    outcomes = []
    for day in days:
        result = job.execute_in_process(
            partition_key=day.isoformat(),
            asset_selection=keys,
            instance=instance,
            raise_on_error=False,
            tags={"real_estate/backfill": f"{days[0]}..{days[-1]}"},
        )
        reason = "" if result.success else _failure_reason(result)
        outcomes.append(DayOutcome(day, result.run_id, result.success, reason))
    return outcomes


def report(outcomes: list[DayOutcome]) -> str:
    """A short plain-text report: counts, then one line per failed day with its reason."""
    failed = [outcome for outcome in outcomes if not outcome.success]
    lines = [f"{len(outcomes) - len(failed)} of {len(outcomes)} partitions succeeded"]
    lines += [f"FAILED {outcome.day} (run {outcome.run_id}): {outcome.reason}" for outcome in failed]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Backfill --start..--end (inclusive) over the selected asset groups."""
    parser = argparse.ArgumentParser(prog="real-estate-backfill", description=__doc__)
    parser.add_argument("--start", type=dt.date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--end", type=dt.date.fromisoformat, required=True, help="last day, YYYY-MM-DD")
    parser.add_argument(
        "--groups",
        default="bronze,silver,gold,warehouse",
        help="asset groups to materialize (default: bronze,silver,gold,warehouse)",
    )
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error(f"--end {args.end} is before --start {args.start}")
    from real_estate.assets.bronze import BRONZE_HOUSE_SALES_KEY
    from real_estate.definitions import defs as load_definitions
    from real_estate.deployment import ConfigurationError
    from real_estate.partitions import loaded_partitions

    try:
        defs = load_definitions()
    except ConfigurationError as error:
        parser.error(str(error))
    days = [args.start + dt.timedelta(days=n) for n in range((args.end - args.start).days + 1)]
    partitions = loaded_partitions(defs.get_repository_def(), BRONZE_HOUSE_SALES_KEY)
    outside = [day for day in days if not partitions.has_partition_key(day.isoformat())]
    if outside:
        parser.error(
            f"{outside[0]} is not a partition: partitions run from {partitions.start.date()} "
            "(REAL_ESTATE_PARTITIONS_START) to the last day that has ended (UTC)"
        )
    with dg.DagsterInstance.get() as instance:
        outcomes = run_backfill(defs, instance, days, dg.AssetSelection.groups(*args.groups.split(",")))
    print(report(outcomes))
    return 0 if all(outcome.success for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
