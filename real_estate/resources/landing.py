"""The landing zone where daily house-sales drops arrive as CSV files."""

import datetime as dt

import dagster as dg
import polars as pl
from upath import UPath

from real_estate.sample.house_sales import house_sales_drop_url
from real_estate.storage import as_upath


class LandingZone(dg.ConfigurableResource):
    """A folder or `s3://` prefix holding `house_sales/<YYYY-MM-DD>.csv` drops."""

    url: str

    def house_sales_drop(self, day: dt.date) -> UPath:
        """Where the drop for `day` is expected."""
        return as_upath(house_sales_drop_url(self.url, day))

    def read_house_sales(self, day: dt.date) -> tuple[pl.DataFrame, str]:
        """The day's drop with every value a string, and its URL; a clear error when it is missing."""
        path = self.house_sales_drop(day)
        if not path.exists():
            raise dg.Failure(
                description=(
                    f"No house-sales drop for partition {day}: expected {path}. Write one with "
                    f"`real-estate-sample --start {day}` or wait for the day's delivery."
                ),
                allow_retries=False,
            )
        try:
            with path.open("rb") as drop:
                frame = pl.read_csv(drop, infer_schema=False)
        except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
            raise _unusable(day, path, f"cannot be read as UTF-8 CSV: {error}") from error
        if frame.is_empty():
            raise _unusable(day, path, f"has a header but no rows (columns: {', '.join(frame.columns)})")
        return frame, str(path)


def _unusable(day: dt.date, path: UPath, problem: str) -> dg.Failure:
    """A clear, non-retryable error naming the partition and the file; nothing is written."""
    return dg.Failure(
        description=f"bronze/house_sales [{day}]: the drop {path} {problem}. Nothing was written.",
        allow_retries=False,
    )
