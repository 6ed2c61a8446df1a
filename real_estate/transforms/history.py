"""A multi-day house-sales file (King County's `kc_house_data.csv`, say) split into daily drops."""

import datetime as dt

import polars as pl

from real_estate.contracts.house_sales import DATE_FORMAT, DROP_DATE

FIRST_DATA_LINE = 2  # line 1 is the header


def sale_days(sales: pl.DataFrame) -> pl.DataFrame:
    """The sales (every column a string) with `_line` (CSV record, header = 1) and `_day` (null: no date)."""
    return sales.with_row_index("_line", offset=FIRST_DATA_LINE).with_columns(
        _day=pl.col(DROP_DATE).str.strip_chars().str.strptime(pl.Date, DATE_FORMAT, strict=False)
    )


def split_by_sale_day(
    sales: pl.DataFrame, last_day: dt.date
) -> tuple[dict[dt.date, pl.DataFrame], pl.DataFrame]:
    """One frame per sale day, in the file's columns and order, and the rows refused: a date that
    does not parse, or a day after `last_day` (one that has not come yet).

    Refused rows keep their CSV record and their `date` string, so a report can name them.
    """
    dated = sale_days(sales)
    usable = pl.col("_day").is_not_null() & (pl.col("_day") <= last_day)
    refused = dated.filter(~usable).select("_line", DROP_DATE)
    days = {
        day: rows.drop("_line", "_day")
        for (day,), rows in dated.filter(usable).group_by("_day", maintain_order=True)
    }
    return dict(sorted(days.items())), refused
