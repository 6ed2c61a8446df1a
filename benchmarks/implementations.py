"""The same transform work three ways: this project's polars code, plain pandas, DuckDB SQL.

Each function reads one day's house-sales CSV (all strings, as bronze holds it) and the silver
parks Parquet, and writes silver house sales, the quarantine, and the gold feature set as Parquet.
Rules (thousands separators tolerated), de-duplication and the join are the same in all three.
"""

import datetime as dt
from pathlib import Path

import polars as pl

from real_estate.transforms.features import houses_with_parks
from real_estate.transforms.house_sales import FLOAT_COLUMNS, INTEGER_COLUMNS, split_house_sales
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
        f"yr_built outside 1850-{day.year}": typed["yr_built"].between(1850, day.year).fillna(False),
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


def duckdb_version(sales_csv: Path, parks_parquet: Path, day: dt.date, out: Path) -> int:
    """DuckDB SQL, what an analyst would write."""
    import duckdb

    counts = ", ".join(f"coalesce(p.{c}, 0) AS {c}" for c in FEATURE_COUNTS)
    sums = ", ".join(f"sum({c}) AS {c}" for c in FEATURE_KIND_COLUMNS)
    with duckdb.connect() as con:
        con.execute(f"""
            CREATE VIEW typed AS
            SELECT row_number() OVER () + 1 AS source_line, r.*,
                   try_cast(trim(id) AS BIGINT) AS t_id,
                   try_strptime(date, '%Y%m%dT%H%M%S')::DATE AS t_date,
                   try_cast(replace(price, ',', '') AS DOUBLE) AS t_price, try_cast(replace(bedrooms, ',', '') AS DOUBLE)::BIGINT AS t_bedrooms,
                   try_cast(replace(bathrooms, ',', '') AS DOUBLE) AS t_bathrooms, try_cast(replace(sqft_living, ',', '') AS DOUBLE)::BIGINT AS t_sqft_living,
                   try_cast(replace(sqft_lot, ',', '') AS DOUBLE)::BIGINT AS t_sqft_lot, try_cast(replace(floors, ',', '') AS DOUBLE) AS t_floors,
                   try_cast(replace(waterfront, ',', '') AS DOUBLE)::BIGINT AS t_waterfront, try_cast(replace(view, ',', '') AS DOUBLE)::BIGINT AS t_view,
                   try_cast(replace(condition, ',', '') AS DOUBLE)::BIGINT AS t_condition, try_cast(replace(grade, ',', '') AS DOUBLE)::BIGINT AS t_grade,
                   try_cast(replace(sqft_above, ',', '') AS DOUBLE)::BIGINT AS t_sqft_above,
                   try_cast(replace(sqft_basement, ',', '') AS DOUBLE)::BIGINT AS t_sqft_basement,
                   try_cast(replace(yr_built, ',', '') AS DOUBLE)::BIGINT AS t_yr_built,
                   try_cast(replace(yr_renovated, ',', '') AS DOUBLE)::BIGINT AS t_yr_renovated,
                   trim(zipcode) AS t_zipcode, try_cast(replace(lat, ',', '') AS DOUBLE) AS t_lat, try_cast(replace(long, ',', '') AS DOUBLE) AS t_long,
                   try_cast(replace(sqft_living15, ',', '') AS DOUBLE)::BIGINT AS t_sqft_living15,
                   try_cast(replace(sqft_lot15, ',', '') AS DOUBLE)::BIGINT AS t_sqft_lot15
            FROM read_csv('{sales_csv}', all_varchar = true, header = true) AS r
        """)
        con.execute(f"""
            CREATE VIEW reasoned AS
            SELECT *, concat_ws('; ',
                CASE WHEN t_id IS NULL THEN 'id is not a whole number' END,
                CASE WHEN t_date IS NULL THEN 'date is not a YYYYMMDDT000000 date' END,
                CASE WHEN t_date <> DATE '{day}' THEN 'sale date is not the partition day {day}' END,
                CASE WHEN coalesce(t_price > 0, false) = false THEN 'price is not positive' END,
                CASE WHEN coalesce(t_bedrooms BETWEEN 0 AND 33, false) = false THEN 'bedrooms outside 0-33' END,
                CASE WHEN coalesce(t_bathrooms BETWEEN 0 AND 10, false) = false THEN 'bathrooms outside 0-10' END,
                CASE WHEN coalesce(t_sqft_living BETWEEN 200 AND 50000, false) = false THEN 'sqft_living outside 200-50000' END,
                CASE WHEN coalesce(t_sqft_lot > 0, false) = false THEN 'sqft_lot is not positive' END,
                CASE WHEN coalesce(t_floors BETWEEN 1 AND 4, false) = false THEN 'floors outside 1-4' END,
                CASE WHEN coalesce(t_waterfront BETWEEN 0 AND 1, false) = false THEN 'waterfront is not 0 or 1' END,
                CASE WHEN coalesce(t_view BETWEEN 0 AND 4, false) = false THEN 'view outside 0-4' END,
                CASE WHEN coalesce(t_condition BETWEEN 1 AND 5, false) = false THEN 'condition outside 1-5' END,
                CASE WHEN coalesce(t_grade BETWEEN 1 AND 13, false) = false THEN 'grade outside 1-13' END,
                CASE WHEN coalesce(t_yr_built BETWEEN 1850 AND {day.year}, false) = false THEN 'yr_built outside 1850-{day.year}' END,
                CASE WHEN coalesce(regexp_full_match(t_zipcode, '\\d{{5}}') AND try_cast(t_zipcode AS INT) BETWEEN 98001 AND 98199, false) = false
                     THEN 'zipcode is not a King County zip code (98001-98199)' END,
                CASE WHEN coalesce(t_lat BETWEEN 47.1 AND 47.8 AND t_long BETWEEN -122.6 AND -121.3, false) = false
                     THEN 'lat/long outside King County' END) AS reason
            FROM typed
        """)
        con.execute("""
            CREATE VIEW decided AS
            SELECT *, CASE WHEN reason = '' AND row_number() OVER (PARTITION BY reason = '', t_id ORDER BY source_line) > 1
                           THEN 'duplicate id' ELSE reason END AS final_reason
            FROM reasoned
        """)
        con.execute(f"""
            COPY (SELECT t_id AS id, t_date AS sale_date, t_price AS price, t_bedrooms AS bedrooms,
                         t_bathrooms AS bathrooms, t_sqft_living AS sqft_living, t_sqft_lot AS sqft_lot,
                         t_floors AS floors, t_waterfront AS waterfront, t_view AS view, t_condition AS condition,
                         t_grade AS grade, t_sqft_above AS sqft_above, t_sqft_basement AS sqft_basement,
                         t_yr_built AS yr_built, t_yr_renovated AS yr_renovated, t_zipcode AS zipcode, t_lat AS lat,
                         t_long AS long, t_sqft_living15 AS sqft_living15, t_sqft_lot15 AS sqft_lot15
                  FROM decided WHERE final_reason = '') TO '{out / "silver.parquet"}' (FORMAT PARQUET)
        """)
        con.execute(f"""
            COPY (SELECT COLUMNS(lambda c: NOT starts_with(c, 't_') AND c NOT IN ('reason', 'final_reason')),
                         final_reason AS reject_reason
                  FROM decided WHERE final_reason <> '' ORDER BY source_line) TO '{out / "rejected.parquet"}' (FORMAT PARQUET)
        """)
        return con.execute(f"""
            COPY (SELECT s.*, {counts}
                  FROM read_parquet('{out / "silver.parquet"}') s
                  LEFT JOIN (SELECT zip_code, count(*) AS num_parks, sum(num_features) AS num_park_features, {sums}
                             FROM read_parquet('{parks_parquet}') GROUP BY zip_code) p ON p.zip_code = s.zipcode
                  ) TO '{out / "gold.parquet"}' (FORMAT PARQUET)
        """).fetchone()[0]


IMPLEMENTATIONS = {"polars (ours)": ours, "pandas": pandas_version, "duckdb": duckdb_version}
