"""Hostile names: landing files and partition keys crafted to escape their prefix are rejected."""

import datetime as dt

import pytest
from upath import UPath

from real_estate import landing_layout as layout
from real_estate.landing_plan import drop_partition
from real_estate.partitions import daily_partitions
from real_estate.resources.lake import PolarsParquetIOManager

FIRST_DAY = daily_partitions.start.date()


@pytest.mark.parametrize(
    "name",
    [
        "../2026-03-01.csv",
        "..%2F2026-03-01.csv",
        "/etc/passwd",
        "2026-03-01.csv/../../x.csv",
        "2026-03-01.CSV",
        "2026-03-01.csv.tmp",
        ".2026-03-01.csv.5f2a.tmp",
        "2025-12-31.csv",
        "2026-02-30.csv",
        "20260301.csv",
    ],
)
def test_landing_names_other_than_a_date_in_range_are_not_partitions(name: str) -> None:
    assert drop_partition(name, FIRST_DAY) is None


def test_a_drop_name_maps_to_its_partition() -> None:
    assert drop_partition("2026-03-01.csv", FIRST_DAY) == "2026-03-01"


@pytest.mark.parametrize("partition", ["../../etc/passwd", "/abs/olute", "a/../../b"])
def test_partition_paths_stay_under_the_lake(tmp_path, partition: str) -> None:
    base = UPath(tmp_path / "lake" / "bronze" / "house_sales")

    path = PolarsParquetIOManager(base_path=base).make_safe_partition_path(base, partition)

    assert str(path.resolve()).startswith(str(base.resolve()))


@pytest.mark.parametrize("key", ["../2026-03-01", "2026-03-01/../../x", "2026-3-1", "2025-12-31"])
def test_the_daily_partitions_have_no_key_that_is_not_a_day_in_range(key: str) -> None:
    assert not daily_partitions.has_partition_key(key)
    assert daily_partitions.has_partition_key("2026-03-01")


def test_the_landing_layout_names_a_days_drop_and_reads_the_day_back() -> None:
    day = dt.date(2026, 3, 1)

    assert layout.drop_name(day) == "2026-03-01.csv"
    assert layout.drop_url("s3://bucket/landing/", day) == "s3://bucket/landing/house_sales/2026-03-01.csv"
    assert layout.folder_url("/srv/landing") == "/srv/landing/house_sales"
    assert layout.drop_day(layout.drop_name(day)) == day
    assert [layout.drop_day(name) for name in ("2026-3-1.csv", "2026-03-01.csv.tmp", "x.csv")] == [None] * 3
