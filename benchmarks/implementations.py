"""The same transform work four ways: this project's polars code (as the kernel calls it, and in the
asset path's layers), plain pandas, DuckDB SQL.

Each function reads one day's house-sales CSV (all strings, as bronze holds it) and the silver
parks Parquet, and writes silver house sales, the quarantine, and the gold feature set as Parquet.
Rules (thousands separators tolerated), de-duplication and the join are the same in all three.
"""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from real_estate.contracts.house_sales import (
    DATE_FORMAT,
    HOUSE_SALES,
    KEY,
    ROW_RULES,
    SILVER_COLUMNS,
    Parse,
    SaleColumn,
)
from real_estate.contracts.park_features import FEATURE_KIND_COLUMNS, PARK_FEATURE_COLUMNS
from real_estate.contracts.rules import (
    AtLeast,
    Between,
    Matches,
    OnDay,
    OneOf,
    Positive,
    Present,
    Rule,
    YearUpToSale,
)
from real_estate.resources.landing import archive  # at import, outside the timed call: it loads dagster
from real_estate.transforms.features import houses_with_parks
from real_estate.transforms.house_sales import split_house_sales

if TYPE_CHECKING:
    import pandas as pd


def ours(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """This project's transforms, as the silver and gold assets run them: gold reads silver's file."""
    raw = pl.scan_csv(sales_csv, infer_schema=False)
    valid, rejected = pl.collect_all(split_house_sales(raw, day))
    valid.write_parquet(out / "silver.parquet")
    rejected.write_parquet(out / "rejected.parquet")
    del valid, rejected
    gold = houses_with_parks(pl.scan_parquet(out / "silver.parquet"), pl.scan_parquet(parks_parquet))
    gold.sink_parquet(out / "gold.parquet")
    return pl.scan_parquet(out / "gold.parquet").select(pl.len()).collect().item()


def ours_layered(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """The same work in the asset path's layers, without Dagster or checks: bronze's archive of the
    CSV, silver split from that archive, gold from silver's file, each as its asset writes it."""
    bronze = out / "bronze.parquet"
    archive(pl.scan_csv(sales_csv, infer_schema=False), str(bronze))
    valid, rejected = split_house_sales(pl.scan_parquet(bronze), day)
    pl.collect_all(
        [
            valid.sink_parquet(out / "silver.parquet", lazy=True),
            rejected.sink_parquet(out / "rejected.parquet", lazy=True),
        ],
        engine="streaming",
    )
    houses_with_parks(pl.scan_parquet(out / "silver.parquet"), pl.scan_parquet(parks_parquet)).sink_parquet(
        out / "gold.parquet"
    )
    return pl.scan_parquet(out / "gold.parquet").select(pl.len()).collect().item()


def pandas_version(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """A straightforward pandas implementation, as the original example ran on Lambda."""
    import numpy as np
    import pandas as pd

    raw = pd.read_csv(sales_csv, dtype=str, keep_default_na=False, na_values=[""])
    typed = pd.DataFrame({"source_line": np.arange(2, len(raw) + 2)})
    for column in HOUSE_SALES:
        typed[column.typed_name] = _pandas_parsed(raw[column.name], column.parse)
    rules = {
        rule.reason(day): _pandas_passes(rule.rule, typed[rule.column.typed_name], day)
        .fillna(False)
        .astype(bool)
        for rule in ROW_RULES
    }
    broken = pd.DataFrame({reason: ~ok.astype(bool) for reason, ok in rules.items()})
    valid_rows = ~broken.any(axis=1)
    reasons = pd.Series("", index=typed.index)
    failing = broken[~valid_rows]
    reasons[~valid_rows] = failing.apply(lambda row: "; ".join(failing.columns[row.to_numpy()]), axis=1)
    duplicate = valid_rows & typed[KEY].duplicated() & typed.assign(v=valid_rows).duplicated([KEY, "v"])
    reasons[duplicate] = f"duplicate {KEY}"
    is_valid = reasons == ""
    silver = typed[is_valid].drop(columns="source_line")
    rejected = raw[~is_valid].assign(
        source_line=typed["source_line"][~is_valid], reject_reason=reasons[~is_valid]
    )
    silver.to_parquet(out / "silver.parquet", index=False)
    rejected.to_parquet(out / "rejected.parquet", index=False)
    parks = pd.read_parquet(parks_parquet)
    by_zip = parks.groupby("zip_code").agg(
        num_parks=("pmaid", "size"),
        num_park_features=("num_features", "sum"),
        **{column: (column, "sum") for column in FEATURE_KIND_COLUMNS},
    )
    gold = silver.merge(by_zip, left_on="zipcode", right_index=True, how="left")
    gold[list(PARK_FEATURE_COLUMNS)] = gold[list(PARK_FEATURE_COLUMNS)].fillna(0).astype("int64")
    gold.to_parquet(out / "gold.parquet", index=False)
    return len(gold)


def _pandas_parsed(text: "pd.Series", parse: Parse) -> "pd.Series":
    """A drop's strings parsed as the contract says, in pandas."""
    import numpy as np
    import pandas as pd

    stripped = text.str.strip()
    number = pd.to_numeric(stripped.str.replace(",", "", regex=False), errors="coerce").replace(
        [np.inf, -np.inf], np.nan
    )
    match parse:
        case Parse.IDENTIFIER:
            return pd.to_numeric(
                stripped.where(stripped.str.fullmatch(r"[+-]?\d{1,18}")), errors="coerce"
            ).astype("Int64")
        case Parse.DATE:
            return pd.to_datetime(stripped, format=DATE_FORMAT, errors="coerce").dt.date
        case Parse.CODE:
            return stripped
        case Parse.NUMBER:
            return number
        case Parse.INTEGER:
            whole = number.where((number == np.floor(number)) & (number.abs() < 2**63))
            return whole.astype("Int64")


def _pandas_passes(rule: Rule, value: "pd.Series", day: dt.date) -> "pd.Series":
    """A contract rule in pandas: true where a value meets it (a missing value fails only `Present`)."""
    match rule:
        case Present():
            return value.notna()
        case Between(low=low, high=high):
            meets = value.between(low, high)
        case YearUpToSale(first=first):
            meets = value.between(first, rule.last(day))
        case AtLeast(low=low):
            meets = value >= low
        case Positive():
            meets = value > 0
        case OneOf(values=values):
            meets = value.isin(values)
        case Matches(pattern=pattern):
            meets = value.str.contains(pattern, regex=True)
        case OnDay():
            meets = value == day
        case _:
            raise TypeError(f"no pandas form for {rule!r}")
    return value.isna() | meets.astype("boolean").fillna(True).astype(bool)


def _sql_passes(rule: Rule, column: str, day: dt.date) -> str:
    """A contract rule as a SQL condition on a typed column, true when a value meets it (a missing
    value fails only `Present`)."""
    match rule:
        case Present():
            return f"{column} IS NOT NULL"
        case Between(low=low, high=high):
            meets = f"{column} BETWEEN {low} AND {high}"
        case YearUpToSale(first=first):
            meets = f"{column} BETWEEN {first} AND {rule.last(day)}"
        case AtLeast(low=low):
            meets = f"{column} >= {low}"
        case Positive():
            meets = f"{column} > 0"
        case OneOf(values=values):
            meets = f"{column} IN ({', '.join(map(str, values))})"
        case Matches(pattern=pattern):
            meets = f"regexp_matches({column}, '{pattern}')"
        case OnDay():
            meets = f"{column} = DATE '{day}'"
        case _:
            raise TypeError(f"no SQL form for {rule!r}")
    return f"coalesce({meets}, true)"


def duckdb_rules(day: dt.date) -> dict[str, str]:
    """The contract's row rules as SQL conditions on typed columns, by the reason a failing row is given."""
    return {rule.reason(day): _sql_passes(rule.rule, rule.column.typed_name, day) for rule in ROW_RULES}


def _sql_parsed(column: SaleColumn) -> str:
    """A drop's column parsed as the contract says, in DuckDB SQL."""
    text = f"trim({column.name})"
    number = f"try_cast(replace({text}, ',', '') AS DOUBLE)"
    finite = f"CASE WHEN isfinite({number}) THEN {number} END"
    match column.parse:
        case Parse.IDENTIFIER:
            return f"try_cast({text} AS BIGINT)"
        case Parse.DATE:
            return f"try_strptime({text}, '{DATE_FORMAT}')::DATE"
        case Parse.CODE:
            return text
        case Parse.NUMBER:
            return finite
        case Parse.INTEGER:
            return f"CASE WHEN {finite} = floor({finite}) THEN try_cast({finite} AS BIGINT) END"


def duckdb_version(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """DuckDB SQL as an expert writes it: one scan of the CSV into a table (its rowid is the line
    number), the rules evaluated once per row, reasons listed only for failing rows, duplicates
    found by a hash aggregate (the first valid row of each id)."""
    import duckdb

    rules = duckdb_rules(day)
    typed = ", ".join(f"{_sql_parsed(column)} AS {column.typed_name}" for column in HOUSE_SALES)
    reasons = ", ".join(f"CASE WHEN NOT ({rule}) THEN '{reason}' END" for reason, rule in rules.items())
    counts = ", ".join(f"coalesce(p.{c}, 0) AS {c}" for c in PARK_FEATURE_COLUMNS)
    sums = ", ".join(f"sum({c}) AS {c}" for c in FEATURE_KIND_COLUMNS)
    with duckdb.connect() as con:
        con.execute(
            f"CREATE TABLE drop AS SELECT * FROM read_csv('{sales_csv}', all_varchar = true, header = true)"
        )
        con.execute(f"""
            CREATE TABLE judged AS
            SELECT *, {" AND ".join(rules.values())} AS passes FROM (SELECT rowid AS row, {typed} FROM drop)
        """)
        con.execute(f"CREATE TABLE kept AS SELECT min(row) AS row FROM judged WHERE passes GROUP BY {KEY}")
        silver_columns = ", ".join(SILVER_COLUMNS)
        con.execute(f"""
            COPY (SELECT {silver_columns} FROM judged SEMI JOIN kept USING (row) ORDER BY row)
            TO '{out / "silver.parquet"}' (FORMAT PARQUET)
        """)
        con.execute(f"""
            COPY (SELECT d.*, j.row + 2 AS source_line, j.reject_reason
                  FROM (SELECT row, CASE WHEN passes THEN 'duplicate {KEY}'
                                         ELSE concat_ws('; ', {reasons}) END AS reject_reason
                        FROM judged ANTI JOIN kept USING (row)) j
                  JOIN drop d ON d.rowid = j.row
                  ORDER BY j.row) TO '{out / "rejected.parquet"}' (FORMAT PARQUET)
        """)
        return con.execute(f"""
            COPY (SELECT s.*, {counts}
                  FROM read_parquet('{out / "silver.parquet"}') s
                  LEFT JOIN (SELECT zip_code, count(*) AS num_parks, sum(num_features) AS num_park_features, {sums}
                             FROM read_parquet('{parks_parquet}') GROUP BY zip_code) p ON p.zip_code = s.zipcode
                  ) TO '{out / "gold.parquet"}' (FORMAT PARQUET)
        """).fetchone()[0]


IMPLEMENTATIONS = {
    "polars (ours)": ours,
    "polars, layered": ours_layered,
    "pandas": pandas_version,
    "duckdb": duckdb_version,
}
