"""The same transform work three ways: this project's polars code, plain pandas, DuckDB SQL.

Each function reads one day's house-sales CSV (all strings, as bronze holds it) and the silver
parks Parquet, and writes silver house sales, the quarantine, and the gold feature set as Parquet.
Rules (thousands separators tolerated), de-duplication and the join are the same in all three.
"""

import datetime as dt
from pathlib import Path

import polars as pl

from real_estate.transforms.features import houses_with_parks
from real_estate.transforms.house_sales import (
    FLOAT_COLUMNS,
    INTEGER_COLUMNS,
    SILVER_COLUMNS,
    split_house_sales,
)
from real_estate.transforms.parks import FEATURE_KIND_COLUMNS

FEATURE_COUNTS = ["num_parks", "num_park_features", *FEATURE_KIND_COLUMNS]


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


def pandas_version(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """A straightforward pandas implementation, as the original example ran on Lambda."""
    import numpy as np
    import pandas as pd

    raw = pd.read_csv(sales_csv, dtype=str, keep_default_na=False, na_values=[""])
    typed = pd.DataFrame({"source_line": np.arange(2, len(raw) + 2)})
    typed["id"] = pd.to_numeric(raw["id"], errors="coerce").astype("Int64")
    typed["sale_date"] = pd.to_datetime(raw["date"], format="%Y%m%dT%H%M%S", errors="coerce").dt.date
    typed["zipcode"] = raw["zipcode"].str.strip()
    for column in FLOAT_COLUMNS:
        typed[column] = pd.to_numeric(raw[column].str.replace(",", "", regex=False), errors="coerce")
    for column in INTEGER_COLUMNS:
        typed[column] = pd.to_numeric(raw[column].str.replace(",", "", regex=False), errors="coerce").astype(
            "Int64"
        )
    zip_number = pd.to_numeric(typed["zipcode"], errors="coerce")
    rules = {
        "id is not a whole number": typed["id"].notna(),
        "date is not a YYYYMMDDT000000 date": typed["sale_date"].notna(),
        f"sale date is not the partition day {day}": typed["sale_date"].isna() | (typed["sale_date"] == day),
        "price is not positive": typed["price"] > 0,
        "bedrooms outside 0-33": typed["bedrooms"].between(0, 33).fillna(False),
        "bathrooms outside 0-10": typed["bathrooms"].between(0, 10),
        "sqft_living outside 200-50000": typed["sqft_living"].between(200, 50_000).fillna(False),
        "sqft_lot is not positive": (typed["sqft_lot"] > 0).fillna(False),
        "floors outside 1-4": typed["floors"].between(1, 4),
        "waterfront is not 0 or 1": typed["waterfront"].between(0, 1).fillna(False),
        "view outside 0-4": typed["view"].between(0, 4).fillna(False),
        "condition outside 1-5": typed["condition"].between(1, 5).fillna(False),
        "grade outside 1-13": typed["grade"].between(1, 13).fillna(False),
        f"yr_built outside 1850-{day.year + 1}": typed["yr_built"].between(1850, day.year + 1).fillna(False),
        "zipcode is not a King County zip code (98001-98199)": typed["zipcode"]
        .str.fullmatch(r"\d{5}")
        .fillna(False)
        & zip_number.between(98001, 98199),
        "lat/long outside King County": typed["lat"].between(47.1, 47.8)
        & typed["long"].between(-122.6, -121.3),
    }
    broken = pd.DataFrame({reason: ~ok.astype(bool) for reason, ok in rules.items()})
    valid_rows = ~broken.any(axis=1)
    reasons = pd.Series("", index=typed.index)
    failing = broken[~valid_rows]
    reasons[~valid_rows] = failing.apply(lambda row: "; ".join(failing.columns[row.to_numpy()]), axis=1)
    duplicate = valid_rows & typed["id"].duplicated() & typed.assign(v=valid_rows).duplicated(["id", "v"])
    reasons[duplicate] = "duplicate id"
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
    gold[FEATURE_COUNTS] = gold[FEATURE_COUNTS].fillna(0).astype("int64")
    gold.to_parquet(out / "gold.parquet", index=False)
    return len(gold)


def duckdb_rules(day: dt.date) -> dict[str, str]:
    """The row rules as SQL conditions on typed columns, true when a row passes, by the reason a
    failing row is given."""

    def between(column: str, low: float, high: float) -> str:
        return f"coalesce({column} BETWEEN {low} AND {high}, false)"

    return {
        "id is not a whole number": "id IS NOT NULL",
        "date is not a YYYYMMDDT000000 date": "sale_date IS NOT NULL",
        f"sale date is not the partition day {day}": f"coalesce(sale_date = DATE '{day}', true)",
        "price is not positive": "coalesce(price > 0, false)",
        "bedrooms outside 0-33": between("bedrooms", 0, 33),
        "bathrooms outside 0-10": between("bathrooms", 0, 10),
        "sqft_living outside 200-50000": between("sqft_living", 200, 50_000),
        "sqft_lot is not positive": "coalesce(sqft_lot > 0, false)",
        "floors outside 1-4": between("floors", 1, 4),
        "waterfront is not 0 or 1": between("waterfront", 0, 1),
        "view outside 0-4": between("view", 0, 4),
        "condition outside 1-5": between("condition", 1, 5),
        "grade outside 1-13": between("grade", 1, 13),
        f"yr_built outside 1850-{day.year + 1}": between("yr_built", 1850, day.year + 1),
        "zipcode is not a King County zip code (98001-98199)": (
            "coalesce(regexp_full_match(zipcode, '\\d{5}') AND try_cast(zipcode AS INT) BETWEEN 98001 AND 98199, false)"
        ),
        "lat/long outside King County": f"{between('lat', 47.1, 47.8)} AND {between('long', -122.6, -121.3)}",
    }


def duckdb_version(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """DuckDB SQL as an expert writes it: one scan of the CSV into a table (its rowid is the line
    number), the rules evaluated once per row, reasons listed only for failing rows, duplicates
    found by a hash aggregate (the first valid row of each id)."""
    import duckdb

    rules = duckdb_rules(day)
    number = "try_cast(replace({0}, ',', '') AS DOUBLE)"
    typed = ", ".join(
        [
            "try_cast(trim(id) AS BIGINT) AS id",
            "try_strptime(date, '%Y%m%dT%H%M%S')::DATE AS sale_date",
            *(f"{number.format(c)} AS {c}" for c in FLOAT_COLUMNS),
            *(f"{number.format(c)}::BIGINT AS {c}" for c in INTEGER_COLUMNS),
            "trim(zipcode) AS zipcode",
        ]
    )
    reasons = ", ".join(f"CASE WHEN NOT ({rule}) THEN '{reason}' END" for reason, rule in rules.items())
    counts = ", ".join(f"coalesce(p.{c}, 0) AS {c}" for c in FEATURE_COUNTS)
    sums = ", ".join(f"sum({c}) AS {c}" for c in FEATURE_KIND_COLUMNS)
    with duckdb.connect() as con:
        con.execute(
            f"CREATE TABLE drop AS SELECT * FROM read_csv('{sales_csv}', all_varchar = true, header = true)"
        )
        con.execute(f"""
            CREATE TABLE judged AS
            SELECT *, {" AND ".join(rules.values())} AS passes FROM (SELECT rowid AS row, {typed} FROM drop)
        """)
        con.execute("CREATE TABLE kept AS SELECT min(row) AS row FROM judged WHERE passes GROUP BY id")
        silver_columns = ", ".join(SILVER_COLUMNS)
        con.execute(f"""
            COPY (SELECT {silver_columns} FROM judged SEMI JOIN kept USING (row) ORDER BY row)
            TO '{out / "silver.parquet"}' (FORMAT PARQUET)
        """)
        con.execute(f"""
            COPY (SELECT d.*, j.row + 2 AS source_line, j.reject_reason
                  FROM (SELECT row, CASE WHEN passes THEN 'duplicate id'
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


IMPLEMENTATIONS = {"polars (ours)": ours, "pandas": pandas_version, "duckdb": duckdb_version}
