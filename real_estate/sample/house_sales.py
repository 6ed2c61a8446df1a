"""Synthetic King County house sales (`kc_house_data` columns and formats), one CSV drop per day.

Prices depend on size, grade, condition, view, waterfront, the zip code's price level and the
number of parks in the zip code, so a model has real structure to learn.
"""

import datetime as dt
from collections import Counter

import numpy as np
import polars as pl

from real_estate.contracts.house_sales import DATE_FORMAT, DROP_COLUMNS
from real_estate.landing_layout import drop_url
from real_estate.sample.geography import KING_COUNTY_ZIPS, zip_centroid, zip_price_level
from real_estate.sample.parks import PARKS_ADDRESSES_FILE, load_bundled
from real_estate.storage import as_upath, publish_atomically

BAD_ROW_KINDS = ("negative price", "4-digit zip code", "duplicate id", "date outside the day")
MAX_ROWS_PER_DAY = 20_000_000


def parks_per_zip() -> dict[str, int]:
    """Number of distinct parks per zip code in the bundled parks sample."""
    parks = {(row["pmaid"], row["zip_code"]) for row in load_bundled(PARKS_ADDRESSES_FILE)}
    return dict(Counter(zip_code for _, zip_code in parks))


def generate_house_sales(day: dt.date, rows: int = 150, seed: int = 42, bad_rows: int = 0) -> pl.DataFrame:
    """One day's sales as the source CSV holds them: every column a string.

    The last `bad_rows` rows are broken on purpose, cycling through `BAD_ROW_KINDS`, to exercise
    data-quality checks.
    """
    if not 0 < rows <= MAX_ROWS_PER_DAY:
        raise ValueError(f"rows={rows}: expected 1 to {MAX_ROWS_PER_DAY}")
    day_offset = (day - dt.date(2000, 1, 1)).days
    rng = np.random.default_rng([seed, day_offset])
    zips = np.array(KING_COUNTY_ZIPS)
    zip_code = zips[rng.integers(0, len(zips), rows)]
    park_counts = parks_per_zip()
    zip_level = np.array([zip_price_level(z) for z in zips])[np.searchsorted(zips, zip_code)]
    zip_parks = np.array([park_counts.get(z, 0) for z in zips])[np.searchsorted(zips, zip_code)]
    centroids = np.array([zip_centroid(z) for z in zips])[np.searchsorted(zips, zip_code)]

    sqft_living = np.clip(np.exp(rng.normal(7.55, 0.42, rows)), 370, 13_540).round(-1)
    grade = np.clip(np.round(7 + 2.2 * (np.log(sqft_living) - 7.55) + rng.normal(0, 0.8, rows)), 3, 13)
    bedrooms = np.clip(np.round(sqft_living / 620 + rng.normal(0, 0.7, rows)), 1, 10)
    bathrooms = np.clip(np.round((sqft_living / 850 + rng.normal(0, 0.4, rows)) * 4) / 4, 0.75, 8)
    floors = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0], rows, p=[0.49, 0.09, 0.38, 0.01, 0.03])
    waterfront = (rng.random(rows) < 0.0075).astype(int)
    view = np.where(rng.random(rows) < 0.9, 0, rng.integers(1, 5, rows))
    condition = rng.choice([1, 2, 3, 4, 5], rows, p=[0.01, 0.01, 0.65, 0.26, 0.07])
    has_basement = rng.random(rows) < 0.4
    sqft_basement = np.where(has_basement, (sqft_living * rng.uniform(0.2, 0.5, rows)).round(-1), 0)
    sqft_above = sqft_living - sqft_basement
    sqft_lot = np.clip(np.exp(rng.normal(8.9, 0.9, rows)), 520, 1_650_000).round()
    # kc_house_data's years run to 2015, and never past the year of the sale (history is 2014-15).
    last_year = min(2016, day.year + 1)
    yr_built = rng.integers(1900, last_year, rows)
    renovated = rng.random(rows) < 0.04
    yr_renovated = np.where(renovated, np.maximum(yr_built, rng.integers(1950, last_year, rows)), 0)
    lat = centroids[:, 0] + rng.normal(0, 0.012, rows)
    long = centroids[:, 1] + rng.normal(0, 0.012, rows)
    sqft_living15 = np.clip(sqft_living * np.exp(rng.normal(0, 0.2, rows)), 400, 6_200).round(-1)
    sqft_lot15 = np.clip(sqft_lot * np.exp(rng.normal(0, 0.3, rows)), 650, 870_000).round()

    price = (
        zip_level
        * (sqft_living / 1_900) ** 0.85
        * 1.13 ** (grade - 7)
        * (1 + 0.05 * (condition - 3))
        * np.where(waterfront == 1, 1.6, 1.0)
        * (1 + 0.06 * view)
        * (1 + 0.012 * np.minimum(zip_parks, 25))
        * np.exp(rng.normal(0, 0.12, rows))
    ).round(-2)
    ids = 1_000_000_000 + (day_offset % 400) * MAX_ROWS_PER_DAY + rng.permutation(rows)
    numeric = pl.DataFrame(
        {
            "id": ids,
            "price": price,
            "bedrooms": bedrooms.astype(int),
            "bathrooms": bathrooms,
            "sqft_living": sqft_living.astype(int),
            "sqft_lot": sqft_lot.astype(int),
            "floors": floors,
            "waterfront": waterfront,
            "view": view,
            "condition": condition,
            "grade": grade.astype(int),
            "sqft_above": sqft_above.astype(int),
            "sqft_basement": sqft_basement.astype(int),
            "yr_built": yr_built,
            "yr_renovated": yr_renovated,
            "zipcode": zip_code,
            "lat": lat.round(4),
            "long": long.round(3),
            "sqft_living15": sqft_living15.astype(int),
            "sqft_lot15": sqft_lot15.astype(int),
        }
    )
    sales = numeric.with_columns(pl.all().cast(pl.String), date=pl.lit(day.strftime(DATE_FORMAT)))
    return _break_rows(sales.select(DROP_COLUMNS), day, min(bad_rows, rows))


def _break_rows(sales: pl.DataFrame, day: dt.date, bad_rows: int) -> pl.DataFrame:
    """Break the last `bad_rows` rows, one kind of fault per row in turn.

    A "duplicate id" row repeats the first row's id, so it is the later, rejected copy.
    """
    if bad_rows == 0:
        return sales
    position = pl.int_range(pl.len()) - (pl.len() - bad_rows)
    broken = position >= 0
    kind = position % len(BAD_ROW_KINDS)
    outside_day = (day - dt.timedelta(days=3)).strftime(DATE_FORMAT)
    return sales.with_columns(
        price=pl.when(broken & (kind == 0)).then("-" + pl.col("price")).otherwise("price"),
        zipcode=pl.when(broken & (kind == 1)).then(pl.col("zipcode").str.slice(1)).otherwise("zipcode"),
        id=pl.when(broken & (kind == 2)).then(pl.col("id").first()).otherwise("id"),
        date=pl.when(broken & (kind == 3)).then(pl.lit(outside_day)).otherwise("date"),
    )


def write_house_sales_drop(frame: pl.DataFrame, landing_url: str, day: dt.date) -> str:
    """Publish one day's drop atomically, so a sensor never sees half a file; return its URL."""
    url = drop_url(landing_url, day)
    publish_atomically(as_upath(url), frame.write_csv)
    return url
