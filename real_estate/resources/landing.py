"""The landing zone where daily house-sales drops arrive as CSV files."""

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import dagster as dg
import polars as pl
from upath import UPath

from real_estate.sample.house_sales import HOUSE_SALES_COLUMNS, house_sales_drop_url
from real_estate.storage import as_upath, is_local

MB = 1024 * 1024
T = TypeVar("T")


class LandingZone(dg.ConfigurableResource):
    """A folder or `s3://` prefix holding `house_sales/<YYYY-MM-DD>.csv` drops."""

    url: str
    max_drop_mb: int = 512

    def house_sales_drop(self, day: dt.date) -> UPath:
        """Where the drop for `day` is expected."""
        return as_upath(house_sales_drop_url(self.url, day))

    def read_house_sales(self, day: dt.date) -> tuple["HouseSalesDrop", str]:
        """The day's drop with every value a string, to be streamed to the lake, and its URL.

        Fails clearly, naming the partition, the file and the line or columns at fault, when the
        drop is missing, too big for one day, not UTF-8 CSV, ragged, or has other columns than
        the 21 of `kc_house_data` (in any order). The header and first row are checked here; a
        fault further down stops the stream, before anything is published.
        """
        path = self.house_sales_drop(day)
        if not path.exists():
            raise dg.Failure(
                description=(
                    f"No house-sales drop for partition {day}: expected {path}. Write one with "
                    f"`real-estate-sample --start {day}` or wait for the day's delivery."
                ),
                allow_retries=False,
            )
        size = path.stat().st_size
        if size > self.max_drop_mb * MB:
            raise _unusable(
                day,
                path,
                f"is {size / MB:,.0f} MB, above the {self.max_drop_mb:,} MB limit for one day's drop "
                "(REAL_ESTATE_MAX_DROP_MB); it was not read. Split the delivery or raise the limit",
            )
        source = path.path if is_local(path) else str(path)
        first = _read(day, path, lambda: pl.read_csv(source, infer_schema=False, n_rows=1))
        if first.is_empty():
            raise _unusable(day, path, f"has a header but no rows (columns: {', '.join(first.columns)})")
        missing = [name for name in HOUSE_SALES_COLUMNS if name not in first.columns]
        unexpected = [name for name in first.columns if name not in HOUSE_SALES_COLUMNS]
        if missing or unexpected:
            raise _unusable(
                day,
                path,
                f"has a header (line 1) that lacks columns [{', '.join(missing)}] and has unexpected "
                f"columns [{', '.join(unexpected)}]; expected the 21 kc_house_data columns",
            )
        return HouseSalesDrop(day, path, source), str(path)


@dataclass(frozen=True)
class HouseSalesDrop:
    """A day's drop whose header was checked: its rows lazily, and written to Parquet in one stream."""

    day: dt.date
    path: UPath
    source: str

    def lazy(self) -> pl.LazyFrame:
        """The drop's rows, every value a string."""
        return pl.scan_csv(self.source, infer_schema=False)

    def write(self, target: str) -> None:
        """Stream the drop to Parquet at `target`.

        An archive of strings that is only ever read whole: zstd's fastest level compresses it as
        well as the default here, and no reader filters on column statistics.
        """
        _read(
            self.day,
            self.path,
            lambda: self.lazy().sink_parquet(target, compression_level=1, statistics=False),
        )


def _read(day: dt.date, path: UPath, read: Callable[[], T]) -> T:
    """`read()`, with polars' parse errors turned into a clear failure naming the drop."""
    try:
        return read()
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
        raise _unusable(day, path, _unreadable(path, error)) from error


def _unreadable(path: UPath, error: Exception) -> str:
    """Why polars could not read the drop, with the first ragged line when that is the cause."""
    try:
        with path.open("r", encoding="utf-8", newline="") as text:
            records = csv.reader(text)
            header = next(records, [])
            for record in records:
                if len(record) > len(header):
                    return (
                        f"has {len(record)} fields on line {records.line_num}, more than the "
                        f"{len(header)} columns of its header (an unquoted comma, e.g. a thousands "
                        "separator?)"
                    )
    except (UnicodeDecodeError, csv.Error):
        pass
    return f"cannot be read as UTF-8 CSV: {error}"


def _unusable(day: dt.date, path: UPath, problem: str) -> dg.Failure:
    """A clear, non-retryable error naming the partition and the file; nothing is written."""
    return dg.Failure(
        description=f"bronze/house_sales [{day}]: the drop {path} {problem}. Nothing was written.",
        allow_retries=False,
    )
