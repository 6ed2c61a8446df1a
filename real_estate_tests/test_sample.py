"""The synthetic sample data is shaped exactly like the real sources."""

import datetime as dt
import re
from pathlib import Path

import polars as pl

from real_estate.contracts.house_sales import DROP_COLUMNS
from real_estate.sample.cli import main as sample_main
from real_estate.sample.geography import KING_COUNTY_ZIPS
from real_estate.sample.house_sales import generate_house_sales
from real_estate.sample.parks import PARK_FEATURES_FILE, PARKS_ADDRESSES_FILE, load_bundled

DAY = dt.date(2026, 5, 4)


def test_house_sales_have_the_kc_house_data_columns_as_strings() -> None:
    sales = generate_house_sales(DAY, rows=300)

    assert tuple(sales.columns) == DROP_COLUMNS
    assert set(sales.schema.values()) == {pl.String}
    assert sales["date"].unique().to_list() == ["20260504T000000"]
    assert sales["id"].str.contains(r"^\d{10}$").all() and sales["id"].is_unique().all()
    assert sales["price"].str.contains(r"^\d+\.0$").all()
    assert set(sales["zipcode"]) <= set(KING_COUNTY_ZIPS)


def test_house_sales_are_seeded_per_day() -> None:
    assert generate_house_sales(DAY).equals(generate_house_sales(DAY))
    assert not generate_house_sales(DAY).equals(generate_house_sales(DAY + dt.timedelta(days=1)))
    assert not generate_house_sales(DAY).equals(generate_house_sales(DAY, seed=1))


def test_bundled_parks_are_in_the_soda_json_shape() -> None:
    addresses = load_bundled(PARKS_ADDRESSES_FILE)
    features = load_bundled(PARK_FEATURES_FILE)

    assert len(addresses) > 500 and len(features) > 1000
    required = {"pmaid", "locid", "name", "address", "zip_code", "x_coord", "y_coord"}
    assert all(required <= row.keys() <= required | {"location_1"} for row in addresses)
    assert all(isinstance(row[name], str) for row in addresses for name in required)
    located = [row["location_1"] for row in addresses if "location_1" in row]
    assert located and all({"latitude", "longitude", "human_address"} == loc.keys() for loc in located)
    assert all(row.keys() == {"service_layer_id", "feature_desc", "pmaid"} for row in features)
    park_ids = {row["pmaid"] for row in addresses}
    assert {row["pmaid"] for row in features} <= park_ids
    shared = {row["zip_code"] for row in addresses} & set(KING_COUNTY_ZIPS)
    assert len(shared) >= 15, "parks and house sales must share zip codes"


def test_sample_cli_writes_one_drop_per_day(tmp_path: Path) -> None:
    sample_main(["--start", "2026-05-01", "--end", "2026-05-03", "--rows", "7", "--landing", str(tmp_path)])

    drops = sorted(path.name for path in (tmp_path / "house_sales").iterdir())
    assert drops == ["2026-05-01.csv", "2026-05-02.csv", "2026-05-03.csv"]
    first = (tmp_path / "house_sales" / "2026-05-01.csv").read_text().splitlines()
    assert first[0] == ",".join(DROP_COLUMNS) and len(first) == 8
    assert re.match(r"^\d{10},20260501T000000,", first[1])
