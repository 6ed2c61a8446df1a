"""RESULTS.md sections for the asset path: the chain against its kernel, per-step before and after,
and the backfill speed-up."""

KERNEL = "polars (ours)"
# The kernel's work in the asset path's layers (bronze's archive, silver from it), without Dagster.
LAYERED = "polars, layered"


def steps_total(run: dict) -> float:
    """Seconds of the chain's three steps (the median of the runs' totals, when repeated)."""
    return run.get("steps_total", sum(run["steps"].values()))


def asset_path_rows(measured: dict[int, dict]) -> list[str]:
    """The asset-path table: each size's CLI run and steps against the kernel and DuckDB."""
    rows = []
    for size, sized in measured.items():
        run, results = sized["asset path"], sized["results"]
        kernel, layered, duckdb = (results[name][0] for name in (KERNEL, LAYERED, "duckdb"))
        steps = steps_total(run)
        rows.append(
            f"| {size:,} | {run['seconds']:.2f} | {steps:.2f} | {run['peak']:,.0f} | {kernel:.2f} | "
            f"{steps / kernel:.2f}x | {layered:.2f} | {steps / layered:.2f}x | {duckdb:.2f} | "
            f"{steps / duckdb:.2f}x | {run['seconds'] / duckdb:.2f}x |"
        )
    rounds = [
        f"- {size:,} sales, each round's steps / kernel and peak: "
        + ", ".join(f"{r['steps'] / r['kernel']:.2f}x and {r['peak']:,.0f} MiB" for r in sized["rounds"])
        for size, sized in measured.items()
        if "rounds" in sized
    ]
    return [
        "## The asset path: the house-sales chain through `dagster asset materialize`",
        "",
        "What a user runs: `dagster asset materialize --select "
        "'bronze/house_sales,silver/house_sales,silver/house_sales_rejected,gold/houses_with_parks' "
        "--partition <day>` in a child process, with every check, on its own Dagster instance and lake "
        "(the day's silver parks materialized beforehand, untimed). Step seconds are Dagster's own "
        "(STEP_START to STEP_SUCCESS in the run's event log); peak MiB is the run process's max RSS. "
        "The kernel (the transform functions called directly, CSV in, three Parquet files out, below) "
        "and DuckDB ran on the same drop in the same benchmark run; ratios above 1 mean the asset path "
        "is slower. Its outputs' row counts and id checksums equal theirs. From 1,000,000 sales on, the "
        "kernel, the layered kernel, DuckDB and the asset path ran three times each, alternately; the "
        "table gives the medians (seconds, each step, the steps' total) and the highest peak. Peaks "
        "are in MiB (max RSS as the kernel reports it; 1 GiB = 1,024 MiB).",
        "",
        "The layered kernel is the kernel's work as the asset path's layers do it, without Dagster and "
        "without checks: bronze's archive of the CSV (the function the bronze asset calls), silver "
        "split from that archive, gold from silver's file, each written as its asset writes it. "
        "Steps / layered is what Dagster, the checks, the metadata and bronze's version (a hash of "
        "the drop's bytes, beside its archive) cost; steps / kernel adds bronze's archive, work the "
        "kernel does not do.",
        "",
        "| sales | CLI run s | three steps s | peak MiB | kernel s | steps / kernel | layered kernel s | "
        "steps / layered | DuckDB s | steps / DuckDB | CLI run / DuckDB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        *rounds,
        "",
    ]


def step_rows(measured: dict[int, dict], before: dict) -> list[str]:
    """Per-step seconds of the chain before and after the asset-path work, at the sizes of both."""
    rows = []
    for size, sized in measured.items():
        earlier = before["sizes"].get(str(size))
        if earlier is None:
            continue
        then, now = earlier["asset path"], sized["asset path"]
        for step, seconds in now["steps"].items():
            rows.append(f"| {size:,} | {step} | {then['steps'][step]:.2f} | {seconds:.2f} |")
        rows += [
            f"| {size:,} | three steps | {steps_total(then):.2f} | {steps_total(now):.2f} |",
            f"| {size:,} | whole CLI run | {then['seconds']:.2f} | {now['seconds']:.2f} |",
            f"| {size:,} | peak RSS, MiB | {then['peak']:,.0f} | {now['peak']:,.0f} |",
            f"| {size:,} | kernel (same run) | {earlier['results'][KERNEL][0]:.2f} | "
            f"{sized['results'][KERNEL][0]:.2f} |",
        ]
    return [
        "## The asset path step by step, before and after",
        "",
        f"Before: the code at commit {before['commit']} ({before['date']}, same machine, "
        "`benchmarks/run.py --record-before`, kept in `benchmarks/asset_path_before.json`). "
        "After: this run.",
        "",
        "| sales | step | before s | after s |",
        "|---:|---|---:|---:|",
        *rows,
        "",
    ]


def backfill_rows(seconds: dict[int, float], size: int, days: int) -> list[str]:
    """The backfill of `days` days run one CLI run at a time and two at a time."""
    return [
        f"## A {days}-day backfill of {size:,}-sale days, one and two runs at a time",
        "",
        "`REAL_ESTATE_EXECUTOR=multiprocess`; each day is its own `dagster asset materialize` run of "
        "the house-sales chain against one Dagster instance and lake; one at a time, then two at a time.",
        "",
        "| concurrent runs | seconds | speed-up |",
        "|---:|---:|---:|",
        *(f"| {at_once} | {wall:.1f} | {seconds[1] / wall:.2f}x |" for at_once, wall in seconds.items()),
        "",
    ]
