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
    read = lines.select(
        "source_line",
        raw=pl.struct(pl.exclude("source_line")),
        **{column.typed_name: _read(column) for column in HOUSE_SALES},
    )
    # In a second step, so each string is read once however often the checks below use it.
    return read.with_columns(_checked(column) for column in HOUSE_SALES if column.parse in NUMBERS)


NUMBERS = (Parse.NUMBER, Parse.INTEGER)


def _read(column: SaleColumn) -> pl.Expr:
    """The column's strings as the contract's type, numbers as floats still to be checked."""
    text = pl.col(column.name).str.strip_chars()
    match column.parse:
        case Parse.DATE:
            return text.str.strptime(pl.Date, DATE_FORMAT, strict=False)
        case Parse.CODE:
            return text
        case Parse.IDENTIFIER:
            return text.cast(pl.Int64, strict=False)
        case Parse.NUMBER | Parse.INTEGER:
            return text.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)


def _checked(column: SaleColumn) -> pl.Expr:
    """A number read as a float, null unless finite (and whole, for a whole-number column)."""
    number = pl.col(column.typed_name)
    if column.parse is Parse.NUMBER:
        return pl.when(number.is_finite()).then(number)
    return pl.when(number.is_finite() & (number == number.floor())).then(number.cast(pl.Int64, strict=False))


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
        # Typed once for every output read from it (collected together: the two below, an audit).
        .cache()
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
