"""`real-estate-import`: a multi-day house-sales file split into daily drops in the landing zone.

Each day's sales become `house_sales/<YYYY-MM-DD>.csv`, published atomically, with the file's own
columns and strings. Rows whose `date` does not parse are refused and named by their CSV record
(header = 1); the command then exits non-zero. A day that already has a drop gets the file's, and
the report names it. The landing sensor (or `real-estate-backfill`) ingests the days; days before
the first partition need `REAL_ESTATE_PARTITIONS_START` set at or before the first day.
"""

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from real_estate.contracts.house_sales import header_fault
from real_estate.deployment import PARTITIONS_START, ConfigurationError, Settings, partitions_start
from real_estate.landing_layout import drop_url, folder_url
from real_estate.sample.house_sales import write_house_sales_drop
from real_estate.storage import as_upath
from real_estate.transforms.history import split_by_sale_day

MAX_REFUSED_SHOWN = 20


class ImportRefused(ValueError):
    """The file cannot be imported at all (not CSV, other columns); nothing was written."""


def read_sales(path: Path) -> pl.DataFrame:
    """Every value a string, exactly as in the file; the kc_house_data columns required."""
    try:
        sales = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
        raise ImportRefused(
            f"{path} cannot be read as UTF-8 CSV: {str(error).splitlines()[0][:300]}"
        ) from error
    fault = header_fault(sales.columns)
    if fault:
        raise ImportRefused(f"{path} has a header that {fault}. Nothing was written.")
    return sales


@dataclass(frozen=True)
class Imported:
    """What an import wrote: rows per day, the days whose earlier drop it replaced, the refused rows."""

    written: dict[dt.date, int]
    replaced: list[dt.date]
    refused: pl.DataFrame


def import_history(path: Path, landing_url: str) -> Imported:
    """Write one drop per sale day, replacing a day's earlier drop (named in the report)."""
    today = dt.datetime.now(dt.UTC).date()
    days, refused = split_by_sale_day(read_sales(path), last_day=today)
    replaced = [day for day in days if as_upath(drop_url(landing_url, day)).exists()]
    for day, sales in days.items():
        write_house_sales_drop(sales, landing_url, day)
    return Imported({day: sales.height for day, sales in days.items()}, replaced, refused)


def report(imported: Imported, landing_url: str, start: str) -> list[str]:
    """What the import did, in a few lines."""
    written, refused = imported.written, imported.refused
    lines = []
    if written:
        first, last = min(written), max(written)
        lines.append(
            f"Wrote {len(written)} daily drops, {sum(written.values()):,} sales, from {first} to {last}, "
            f"into {folder_url(landing_url)}/"
        )
        if first.isoformat() < start:
            lines.append(
                f"{sum(day.isoformat() < start for day in written)} of these days are before the first "
                f"partition ({start}): set {PARTITIONS_START}={first} for every Dagster process to "
                "ingest them"
            )
    if imported.replaced:
        lines.append(
            f"Replaced the earlier drops of {len(imported.replaced)} days: "
            + ", ".join(day.isoformat() for day in imported.replaced[:MAX_REFUSED_SHOWN])
            + (" and more" if len(imported.replaced) > MAX_REFUSED_SHOWN else "")
        )
    if refused.height:
        shown = ", ".join(
            f"line {line} (date {date!r})" for line, date in refused.head(MAX_REFUSED_SHOWN).iter_rows()
        )
        more = refused.height - MAX_REFUSED_SHOWN
        lines.append(
            f"Refused {refused.height} rows whose date does not parse or has not come yet "
            f"(YYYYMMDDTHHMMSS): {shown}" + (f" and {more} more" if more > 0 else "")
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Split a file of many days' sales into daily drops; exit 1 if any row was refused."""
    parser = argparse.ArgumentParser(prog="real-estate-import", description=__doc__)
    parser.add_argument("file", type=Path, help="a CSV in kc_house_data's columns, e.g. kc_house_data.csv")
    parser.add_argument(
        "--landing",
        help="landing zone folder or s3:// URL (default: REAL_ESTATE_LANDING_URL or data/landing)",
    )
    args = parser.parse_args(argv)
    landing_url = args.landing or Settings.from_env().landing_url
    try:
        start = partitions_start()  # a bad setting is named before anything is written
        imported = import_history(args.file, landing_url)
    except (ImportRefused, ConfigurationError) as error:
        print(f"real-estate-import: {error}", file=sys.stderr)
        return 2
    for line in report(imported, landing_url, start):
        print(line)
    return 1 if imported.refused.height else 0


if __name__ == "__main__":
    sys.exit(main())
