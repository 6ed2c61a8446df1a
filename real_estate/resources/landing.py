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
        with path.open("rb") as drop:
            return pl.read_csv(drop, infer_schema=False), str(path)
