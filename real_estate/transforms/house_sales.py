"""Silver house sales: typed, de-duplicated on `id`, and split into valid and rejected rows."""

import datetime as dt

import polars as pl

KC_ZIP_MIN, KC_ZIP_MAX = 98001, 98199
KC_LATITUDE = (47.1, 47.8)
KC_LONGITUDE = (-122.6, -121.3)

INTEGER_COLUMNS = (
    "bedrooms",
    "sqft_living",
    "sqft_lot",
    "waterfront",
    "view",
    "condition",
    "grade",
    "sqft_above",
    "sqft_basement",
    "yr_built",
    "yr_renovated",
    "sqft_living15",
    "sqft_lot15",
)
FLOAT_COLUMNS = ("price", "bathrooms", "floors", "lat", "long")
SILVER_COLUMNS = (
    "id",
    "sale_date",
    "price",
    "bedrooms",
    "bathrooms",
    "sqft_living",
    "sqft_lot",
    "floors",
    "waterfront",
    "view",
    "condition",
    "grade",
    "sqft_above",
    "sqft_basement",
    "yr_built",
    "yr_renovated",
    "zipcode",
    "lat",
    "long",
    "sqft_living15",
    "sqft_lot15",
)


def with_source_line(raw: pl.LazyFrame) -> pl.LazyFrame:
    """The drop with `source_line`: each row's line number in the CSV (header is line 1)."""
    return raw.with_row_index("source_line", offset=2)


def type_house_sales(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Typed columns from the string columns of a drop (with `source_line`); bad values become null.

    Numbers are read tolerantly: surrounding spaces and thousands separators (`"1,250,000"`) are
    dropped, and whole-number columns accept `3.0`.

    The row's original strings ride along in the struct column `raw`, so a rejected row can be
    written back exactly as it came without reading the drop twice.
    """
    return lines.select(
        "source_line",
        raw=pl.struct(pl.exclude("source_line")),
        id=pl.col("id").str.strip_chars().cast(pl.Int64, strict=False),
        sale_date=pl.col("date").str.strptime(pl.Date, "%Y%m%dT%H%M%S", strict=False),
        zipcode=pl.col("zipcode").str.strip_chars(),
        **{name: _number(name) for name in FLOAT_COLUMNS},
        **{name: _number(name).cast(pl.Int64, strict=False) for name in INTEGER_COLUMNS},
    )


def _number(column: str) -> pl.Expr:
    return (
        pl.col(column).str.strip_chars().str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    )


def _between(column: str, low: float, high: float) -> pl.Expr:
    return pl.col(column).is_between(low, high).fill_null(False)


def row_rules(day: dt.date) -> dict[str, pl.Expr]:
    """Row-level rules of a valid sale, by the reason given when a row breaks them."""
    return {
        "id is not a whole number": pl.col("id").is_not_null(),
        "date is not a YYYYMMDDT000000 date": pl.col("sale_date").is_not_null(),
        f"sale date is not the partition day {day}": (pl.col("sale_date") == day).fill_null(True),
        "price is not positive": (pl.col("price") > 0).fill_null(False),
        "bedrooms outside 0-33": _between("bedrooms", 0, 33),
        "bathrooms outside 0-10": _between("bathrooms", 0, 10),
        "sqft_living outside 200-50000": _between("sqft_living", 200, 50_000),
        "sqft_lot is not positive": (pl.col("sqft_lot") > 0).fill_null(False),
        "floors outside 1-4": _between("floors", 1, 4),
        "waterfront is not 0 or 1": _between("waterfront", 0, 1),
        "view outside 0-4": _between("view", 0, 4),
        "condition outside 1-5": _between("condition", 1, 5),
        "grade outside 1-13": _between("grade", 1, 13),
        # A house can sell before it is finished (kc_house_data has 2014 sales of houses built in 2015).
        f"yr_built outside 1850-{day.year + 1}": _between("yr_built", 1850, day.year + 1),
        "zipcode is not a King County zip code (98001-98199)": (
            pl.col("zipcode").str.contains(r"^\d{5}$")
            & pl.col("zipcode").cast(pl.Int64, strict=False).is_between(KC_ZIP_MIN, KC_ZIP_MAX)
        ).fill_null(False),
        "lat/long outside King County": (_between("lat", *KC_LATITUDE) & _between("long", *KC_LONGITUDE)),
    }


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
        .with_columns(keep=passes & pl.when(passes).then(pl.col("id")).is_first_distinct())
    )
    # Only the few rejected rows pay for listing their reasons.
    reasons = (
        pl.when(passes)
        .then(pl.lit("duplicate id"))
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
