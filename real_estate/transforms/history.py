"""A multi-day house-sales file (King County's `kc_house_data.csv`, say) split into daily drops."""

import datetime as dt

import polars as pl

SALE_DATE_FORMAT = "%Y%m%dT%H%M%S"  # kc_house_data's `date`, e.g. 20141013T000000
FIRST_DATA_LINE = 2  # line 1 is the header


def sale_days(sales: pl.DataFrame) -> pl.DataFrame:
    """The sales (every column a string) with `_line` (CSV record, header = 1) and `_day` (null: no date)."""
    return sales.with_row_index("_line", offset=FIRST_DATA_LINE).with_columns(
        _day=pl.col("date").str.strip_chars().str.strptime(pl.Date, SALE_DATE_FORMAT, strict=False)
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
    refused = dated.filter(~usable).select("_line", "date")
    days = {
        day: rows.drop("_line", "_day")
        for (day,), rows in dated.filter(usable).group_by("_day", maintain_order=True)
    }
    return dict(sorted(days.items())), refused
