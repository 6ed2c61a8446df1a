"""`real-estate-demo`: the whole pipeline for one recent day on the embedded defaults.

Writes synthetic house-sales drops for the day and the days before it, materializes the
upstream layers for the earlier days (the model trains on them), then runs the main job through
Dagster's CLI: every asset and check of the day's partition, and the (unpartitioned) model,
trained on the gold window up to the day.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys

import dagster as dg

from real_estate.backfill import UPSTREAM_OF_MODEL, report, run_backfill
from real_estate.deployment import Settings
from real_estate.resources.mlflow import redact_credentials
from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop


def _main_job_command(day: dt.date) -> list[str]:
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    return [
        dagster,
        "asset",
        "materialize",
        "-m",
        "real_estate.definitions",
        "--select",
        "*",
        "--partition",
        day.isoformat(),
    ]


def main(argv: list[str] | None = None) -> int:
    """Prepare the history, run the main job for the day, and say where the outputs are."""
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    parser = argparse.ArgumentParser(prog="real-estate-demo", description=__doc__)
    parser.add_argument(
        "--day",
        type=dt.date.fromisoformat,
        default=yesterday,
        help="partition to materialize (default: yesterday, UTC)",
    )
    parser.add_argument(
        "--history-days", type=int, default=14, help="earlier days to prepare for training (default 14)"
    )
    parser.add_argument("--rows", type=int, default=150, help="house sales per day (default 150)")
    parser.add_argument(
        "--bad-rows", type=int, default=1, help="broken rows per day, to show the quarantine (default 1)"
    )
    args = parser.parse_args(argv)

    from real_estate.definitions import defs

    settings = Settings.from_env()
    history = [args.day - dt.timedelta(days=n) for n in range(args.history_days, 0, -1)]
    for day in [*history, args.day]:
        write_house_sales_drop(
            generate_house_sales(day, rows=args.rows, bad_rows=args.bad_rows), settings.landing_url, day
        )
    print(
        f"wrote house-sales drops for {history[0] if history else args.day} to {args.day} "
        f"under {settings.landing_url}"
    )

    with dg.DagsterInstance.get() as instance:
        outcomes = run_backfill(defs, instance, history, UPSTREAM_OF_MODEL)
    print(report(outcomes))
    if not all(outcome.success for outcome in outcomes):
        return 1

    command = _main_job_command(args.day)
    print("main job:", " ".join(command[1:]))
    returncode = subprocess.call(command)
    if returncode == 0:
        print(
            f"\nDone. Partition {args.day}:\n"
            f"  datalake   {settings.lake_url}/<layer>/<asset>/{args.day}.parquet\n"
            f"  warehouse  {settings.warehouse_url}\n"
            f"  MLflow     {redact_credentials(settings.mlflow_tracking_uri)} "
            f"(artifacts {settings.mlflow_artifacts_url})\n"
            "  UI         make ui   (then open http://127.0.0.1:3000)"
        )
    return returncode


if __name__ == "__main__":
    sys.exit(main())
