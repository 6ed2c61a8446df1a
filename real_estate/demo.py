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
import time
from pathlib import Path

import dagster as dg

from real_estate.demo_summary import launched_run, partition_run_ids, run_summary
from real_estate.deployment import Settings
from real_estate.resources.mlflow import redact_credentials
from real_estate.sample.house_sales import generate_house_sales, write_house_sales_drop


def _bin(name: str) -> str:
    """A command installed beside this Python (the project's venv)."""
    return os.path.join(os.path.dirname(sys.executable), name)


def _main_job_command(day: dt.date) -> list[str]:
    return [
        _bin("dagster"),
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
    parser.add_argument(
        "--log",
        type=Path,
        default=Path("data/demo-events.log"),
        help="where Dagster's full event log goes (default data/demo-events.log)",
    )
    args = parser.parse_args(argv)

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
    args.log.parent.mkdir(parents=True, exist_ok=True)
    print(f"Dagster's event log of every run: {args.log.resolve()}")
    with args.log.open("w") as log:
        if history:
            backfill = [_bin("real-estate-backfill"), "--start", str(history[0]), "--end", str(history[-1])]
            backfill += ["--groups", "bronze,silver,gold"]
            print(f"history: {len(history)} days, bronze to gold (real-estate-backfill)")
            if subprocess.call(backfill, stdout=log, stderr=subprocess.STDOUT) != 0:
                print(f"the history backfill failed: see {args.log}")
                return 1
        command = _main_job_command(args.day)
        print("main job:", " ".join(command[1:]))
        with dg.DagsterInstance.get() as instance:
            runs_before = partition_run_ids(instance, args.day)
        started = time.perf_counter()
        returncode = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - started
    with dg.DagsterInstance.get() as instance:
        run = launched_run(instance, args.day, runs_before)
        summary = (
            run_summary(instance, run.run_id) if run else [f"the main job created no run: see {args.log}"]
        )
    print("\n".join(summary))
    if returncode != 0:
        print(f"The main job failed after {seconds:.1f} s: see {args.log}")
        return returncode
    print(
        f"\nDone in {seconds:.1f} s. Partition {args.day}:\n"
        f"  datalake   {settings.lake_url}/<layer>/<asset>/{args.day}.parquet\n"
        f"  warehouse  {settings.warehouse_url}\n"
        f"  MLflow     {redact_credentials(settings.mlflow_tracking_uri)} "
        f"(artifacts {settings.mlflow_artifacts_url})\n"
        "  UI         make ui   (then open http://127.0.0.1:3000)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
