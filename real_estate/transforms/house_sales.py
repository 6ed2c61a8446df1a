"""Silver house sales: typed, de-duplicated on `id`, and split into valid and rejected rows."""

import datetime as dt

import polars as pl

from real_estate.contracts.house_sales import (
    DATE_FORMAT,
    HOUSE_SALES,
    KEY,
    SILVER_COLUMNS,
    Parse,
    SaleColumn,
    row_rules,
)


def with_source_line(raw: pl.LazyFrame) -> pl.LazyFrame:
    """The drop with `source_line`: each row's line number in the CSV (header is line 1)."""
    return raw.with_row_index("source_line", offset=2)


def type_house_sales(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Typed columns from the string columns of a drop (with `source_line`); bad values become null.

    Each column is parsed as the contract says. Numbers are read tolerantly: surrounding spaces
    and thousands separators (`"1,250,000"`) are dropped, and whole-number columns accept `3.0`
    (not `3.5`). NaN and infinities do not parse.

    The row's original strings ride along in the struct column `raw`, so a rejected row can be
    written back exactly as it came without reading the drop twice.
    """
    return lines.select(
        "source_line",
        raw=pl.struct(pl.exclude("source_line")),
        **{column.typed_name: _parsed(column) for column in HOUSE_SALES},
    )


def _parsed(column: SaleColumn) -> pl.Expr:
    text = pl.col(column.name).str.strip_chars()
    match column.parse:
        case Parse.DATE:
            return text.str.strptime(pl.Date, DATE_FORMAT, strict=False)
        case Parse.CODE:
            return text
        case Parse.IDENTIFIER:
            return text.cast(pl.Int64, strict=False)
        case Parse.NUMBER:
            return _finite(text)
        case Parse.INTEGER:
            number = _finite(text)
            return pl.when(number == number.floor()).then(number.cast(pl.Int64, strict=False))


def _finite(text: pl.Expr) -> pl.Expr:
    """A number with thousands separators tolerated; NaN and infinities are not numbers here."""
    number = text.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)


def split_house_sales(raw: pl.LazyFrame, day: dt.date) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Valid sales (typed, one row per `id`) and rejected rows with every rule each broke.

    Rejected rows keep their original strings and CSV line, so a reader can find them in the
    drop. Of rows sharing an `id`, the first valid one is kept and the rest rejected. Both
    outputs come from one typed frame: collect them together (`pl.collect_all`) to read the
    drop once.
    """
    rules = row_rules(day)
    passes = pl.col("passes_rules")
    decided = (
        type_house_sales(with_source_line(raw))
        .with_columns(passes_rules=pl.all_horizontal(rules.values()))
        .with_columns(keep=passes & pl.when(passes).then(pl.col(KEY)).is_first_distinct())
    )
    # Only the few rejected rows pay for listing their reasons.
    reasons = (
        pl.when(passes)
        .then(pl.lit(f"duplicate {KEY}"))
        .otherwise(
            pl.concat_list(
                [
                    pl.when(rule).then(pl.lit(None, pl.String)).otherwise(pl.lit(reason))
                    for reason, rule in rules.items()
                ]
            )
            .list.drop_nulls()
            .list.join("; ")
        )
    )
    valid = decided.filter("keep").select(SILVER_COLUMNS)
    rejected = decided.filter(~pl.col("keep")).select(
        pl.col("raw").struct.unnest(), "source_line", reject_reason=reasons
    )
    return valid, rejected
