"""The house-sales chain as users run it: `dagster asset materialize` in a child process.

Each run gets its own lake, landing zone and Dagster instance under one folder. Step times are
Dagster's own (STEP_START to STEP_SUCCESS in the instance's event log); peak memory is the run
process's max RSS, in MiB (under the multiprocess executor, that of its largest process).
"""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HOUSE_SALES_CHAIN = "bronze/house_sales,silver/house_sales,silver/house_sales_rejected,gold/houses_with_parks"
PARKS_CHAIN = "bronze/parks_addresses,bronze/park_features,silver/parks"
STEPS = {
    "bronze__house_sales": "bronze/house_sales",
    "silver_house_sales": "silver/house_sales (+ quarantine)",
    "gold__houses_with_parks": "gold/houses_with_parks",
}


def lake_env(root: Path, **extra: str) -> dict[str, str]:
    """A deployment under `root`: its own instance, lake, landing zone and warehouse."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    return (
        os.environ
        | {
            "DAGSTER_HOME": str(home),
            "REAL_ESTATE_LAKE_URL": str(root / "lake"),
            "REAL_ESTATE_LANDING_URL": str(root / "landing"),
            "REAL_ESTATE_WAREHOUSE_URL": f"duckdb:///{root / 'warehouse.duckdb'}",
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
            # A 10M-sale drop is about 1.6 GB of CSV.
            "REAL_ESTATE_MAX_DROP_MB": "8192",
            # What a default deployment runs, whatever the shell says (the backfill overrides it).
            "REAL_ESTATE_EXECUTOR": "in_process",
        }
        | extra
    )


def land_drop(csv: Path, root: Path, day: dt.date) -> None:
    """Put a generated drop where the landing zone expects the day's file (a hard link, no copy)."""
    target = root / "landing" / "house_sales" / f"{day.isoformat()}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    os.link(csv, target)


def materialize_command(selection: str, day: dt.date) -> list[str]:
    """Dagster's CLI materializing `selection` for one day."""
    return [
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "real_estate.definitions",
        "--select",
        selection,
        "--partition",
        day.isoformat(),
    ]


def start(command: list[str], env: dict[str, str], root: Path) -> subprocess.Popen:
    """Start a command with its output in `root/<pid>.log` (read only when it fails)."""
    log = (root / "cli.log").open("ab")
    return subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen, root: Path) -> float:
    """Wait for a started command; its peak RSS in MiB (the largest of it and its waited-for children)."""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        tail = (root / "cli.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(process.args)} failed:\n{tail}")
    return usage.ru_maxrss / 1024


def materialize(selection: str, day: dt.date, env: dict[str, str], root: Path) -> tuple[float, float]:
    """One CLI run: wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    peak = finish(start(materialize_command(selection, day), env, root), root)
    return time.perf_counter() - started, peak


def step_seconds(home: Path) -> dict[str, float]:
    """Seconds of each house-sales step of the instance's latest run, from its step events."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    run = instance.get_runs(limit=1)[0]
    starts, ends = {}, {}
    for entry in instance.all_logs(
        run.run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS}
    ):
        moments = starts if entry.dagster_event_type == dg.DagsterEventType.STEP_START else ends
        moments[entry.step_key] = entry.timestamp
    return {name: ends[key] - starts[key] for key, name in STEPS.items()}


def backfill(days: list[dt.date], env: dict[str, str], root: Path, at_once: int) -> float:
    """Wall seconds to materialize the chain for `days`, `at_once` CLI runs at a time."""
    started = time.perf_counter()
    for first in range(0, len(days), at_once):
        running = [
            start(materialize_command(HOUSE_SALES_CHAIN, day), env, root)
            for day in days[first : first + at_once]
        ]
        for process in running:
            finish(process, root)
    return time.perf_counter() - started


if __name__ == "__main__":
    print(json.dumps(step_seconds(Path(sys.argv[1]))))
