"""Pure transforms, tested without Dagster."""

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from real_estate.sample.house_sales import generate_house_sales
from real_estate.sources.socrata import rows_to_frame
from real_estate.transforms.features import houses_with_parks, parks_by_zip
from real_estate.transforms.house_sales import split_house_sales
from real_estate.transforms.parks import build_parks, feature_kind, orphan_features
from real_estate.transforms.training import (
    predict_prices,
    regression_metrics,
    time_holdout_split,
    train_price_model,
    zip_median_baseline,
)

DAY = dt.date(2026, 3, 1)


def address(pmaid: str, locid: str, zip_code: str, location: dict | None = None) -> dict:
    row = {
        "pmaid": pmaid,
        "locid": locid,
        "name": f" Park {pmaid} ",
        "address": "1 Main St",
        "zip_code": zip_code,
        "x_coord": "1266000.5",
        "y_coord": "220000.25",
    }
    if location is not None:
        row["location_1"] = location
    return row


def feature(pmaid: str, description: str) -> dict:
    return {"service_layer_id": "1", "feature_desc": description, "pmaid": pmaid}


def frames(addresses: list[dict], features: list[dict]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    return rows_to_frame(addresses).lazy(), rows_to_frame(features).lazy()


def test_rows_to_frame_keeps_strings_and_nested_values_as_json() -> None:
    frame = rows_to_frame(
        [
            address("1", "10", "98103", {"latitude": "47.6", "longitude": "-122.3"}),
            address("2", "11", "98103"),
        ]
    )

    assert set(frame.schema.values()) == {pl.String}
    assert json.loads(frame["location_1"][0]) == {"latitude": "47.6", "longitude": "-122.3"}
    assert frame["location_1"][1] is None


def test_build_parks_gives_one_row_per_park_with_feature_counts_by_kind() -> None:
    addresses, features = frames(
        [
            address("7", "2", "98103"),
            address("7", "1", "98103-1234", {"latitude": "47.66", "longitude": "-122.34"}),
            address("9", "3", "98117"),
        ],
        [
            feature("7", "Play Area"),
            feature("7", "Restrooms"),
            feature("7", "Play Area"),
            feature("7", "Tennis Court (Outdoor)"),
            feature("9", "Scenic View"),
        ],
    )

    parks = build_parks(addresses, features).collect()

    assert parks["pmaid"].to_list() == [7, 9]
    first = parks.row(0, named=True)
    assert first["zip_code"] == "98103" and first["num_locations"] == 2
    assert first["name"] == "Park 7"
    assert first["latitude"] == pytest.approx(47.66)
    assert first["features"] == ["Play Area", "Restrooms", "Tennis Court (Outdoor)"]
    assert (
        first["num_features"],
        first["features_play_area"],
        first["features_court"],
        first["features_restroom"],
    ) == (3, 1, 1, 1)
    assert parks.row(1, named=True)["features_other"] == 1


def test_build_parks_handles_a_source_without_location_and_parks_without_features() -> None:
    addresses, features = frames([address("5", "1", "98105")], [feature("99", "Play Area")])

    parks = build_parks(addresses, features).collect()

    assert parks.height == 1 and parks["latitude"][0] is None
    assert parks["num_features"][0] == 0 and parks["features"][0].to_list() == []
    assert orphan_features(addresses, features).collect()["pmaid"].to_list() == [99]


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("Play Area", "play_area"),
        ("Spray Park", "play_area"),
        ("Baseball/Softball", "sports_field"),
        ("Basketball (Half)", "court"),
        ("Paths (ADA Compliant)", "trail"),
        ("Boat Launch (Hand Carry)", "water_access"),
        ("Dog Off Leash Area", "off_leash"),
        ("Picnic Sites", "picnic"),
        ("Restrooms", "restroom"),
        ("Woods", "other"),
    ],
)
def test_feature_kind(description: str, kind: str) -> None:
    assert pl.select(feature_kind(pl.lit(description))).item() == kind


def test_split_house_sales_types_valid_rows_and_quarantines_each_broken_row_with_reasons() -> None:
    raw = generate_house_sales(DAY, rows=40, bad_rows=4)

    valid, rejected = (frame.collect() for frame in split_house_sales(raw.lazy(), DAY))

    assert valid.height + rejected.height == 40
    assert valid["id"].is_unique().all() and (valid["price"] > 0).all()
    assert valid["sale_date"].unique().to_list() == [DAY]
    assert valid.schema["price"] == pl.Float64 and valid.schema["bedrooms"] == pl.Int64
    reasons = dict(zip(rejected["source_line"].to_list(), rejected["reject_reason"].to_list(), strict=True))
    assert rejected.height == 4
    assert reasons[38] == "price is not positive"
    assert reasons[39] == "zipcode is not a King County zip code (98001-98199)"
    assert reasons[40] == "duplicate id"
    assert reasons[41] == f"date is not the partition day {DAY}"
    assert rejected.columns[:21] == raw.columns


def test_split_house_sales_keeps_the_first_of_duplicate_ids() -> None:
    raw = generate_house_sales(DAY, rows=5)
    duplicated = pl.concat([raw, raw.head(1).with_columns(price=pl.lit("1.0"))])

    valid, rejected = (frame.collect() for frame in split_house_sales(duplicated.lazy(), DAY))

    assert valid.height == 5
    assert rejected["reject_reason"].to_list() == ["duplicate id"]
    assert rejected["source_line"].to_list() == [7]
    assert valid.filter(pl.col("id") == int(raw["id"][0]))["price"].item() == float(raw["price"][0])


def test_houses_with_parks_counts_parks_per_zip_and_zero_fills_the_rest() -> None:
    addresses, features = frames(
        [address("1", "1", "98103"), address("2", "2", "98103"), address("3", "3", "98117")],
        [feature("1", "Play Area"), feature("2", "Play Area"), feature("2", "Restrooms")],
    )
    parks = build_parks(addresses, features)
    houses = pl.LazyFrame({"id": [3, 1, 2], "zipcode": ["98103", "98117", "98001"]})

    gold = houses_with_parks(houses, parks).collect()

    assert gold["id"].to_list() == [3, 1, 2], "gold keeps silver's row order"
    assert gold.select("num_parks", "num_park_features", "features_play_area").rows() == [
        (2, 3, 2),
        (1, 0, 0),
        (0, 0, 0),
    ]

    assert parks_by_zip(parks).collect().height == 2


def feature_sets(days: int, rows: int = 150) -> pl.DataFrame:
    addresses, features = frames(
        [address(str(n), str(n), zip_code) for n, zip_code in enumerate(["98103", "98117", "98105"] * 3)],
        [feature("1", "Play Area")],
    )
    parks = build_parks(addresses, features)
    sets = []
    for offset in range(days):
        day = DAY + dt.timedelta(days=offset)
        valid, _ = split_house_sales(generate_house_sales(day, rows=rows).lazy(), day)
        sets.append(houses_with_parks(valid, parks).collect())
    return pl.concat(sets)


def test_time_holdout_split_never_trains_on_the_future() -> None:
    sets = feature_sets(5, rows=20)

    train, holdout = time_holdout_split(sets, holdout_days=2)

    assert train["sale_date"].max() < holdout["sale_date"].min()
    assert holdout["sale_date"].n_unique() == 2 and train.height + holdout.height == sets.height
    with pytest.raises(ValueError, match="at least 2 days"):
        time_holdout_split(sets.filter(pl.col("sale_date") == DAY), holdout_days=1)


def test_model_beats_the_zip_median_baseline_and_is_deterministic() -> None:
    train, holdout = time_holdout_split(feature_sets(8), holdout_days=2)
    actual = holdout["price"].to_numpy()

    first = predict_prices(train_price_model(train, seed=3), holdout)
    second = predict_prices(train_price_model(train, seed=3), holdout)

    np.testing.assert_array_equal(first, second)
    model = regression_metrics(actual, first)
    baseline = regression_metrics(actual, zip_median_baseline(train, holdout))
    assert model["rmse"] < baseline["rmse"]
    assert 0 < model["mape"] < 0.5 and model["r2"] > 0.5


def test_regression_metrics() -> None:
    metrics = regression_metrics(np.array([100.0, 200.0]), np.array([110.0, 190.0]))

    assert metrics == pytest.approx({"rmse": 10.0, "mae": 10.0, "mape": 0.075, "r2": 0.96})
