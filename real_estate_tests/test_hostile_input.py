"""Malformed and hostile house-sales drops: a clear error naming the partition, the file and the line
or columns at fault, with bronze untouched, or a documented tolerant parse."""

import datetime as dt
import os
import resource
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from real_estate.backfill import UPSTREAM_OF_MODEL
from real_estate.sample.house_sales import generate_house_sales
from real_estate_tests.conftest import Pipeline

DAY = dt.date(2026, 7, 1)
BRONZE = dg.AssetSelection.assets(["bronze", "house_sales"])


def good_csv() -> str:
    return generate_house_sales(DAY, rows=5).write_csv()


def with_header(header: str) -> Callable[[], bytes]:
    return lambda: (header + "\n" + good_csv().split("\n", 1)[1]).encode()


def renamed(old: str, new: str) -> Callable[[], bytes]:
    return lambda: good_csv().replace(old, new, 1).encode()


def ragged_line_3() -> bytes:
    lines = good_csv().splitlines()
    lines[2] = lines[2].replace(".0,", ",", 1).replace(",", ",1,", 1)  # an unquoted extra field
    return "\n".join(lines).encode()


HEADER = good_csv().split("\n", 1)[0]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (lambda: b"", "cannot be read as UTF-8 CSV"),
        (lambda: b"id,date,price\n", "has a header but no rows"),
        (lambda: b"id,date,price\n1,20260701T000000,\xff\xfe300000\n", "cannot be read as UTF-8 CSV"),
        (lambda: good_csv().replace(",", ";").encode(), "lacks columns [id, date, price"),
        (with_header(HEADER.replace(",price", ",")), "lacks columns [price] and has unexpected columns []"),
        (renamed("zipcode", "zip"), "lacks columns [zipcode] and has unexpected columns [zip]"),
        (with_header(HEADER + ",agent"), "has unexpected columns [agent]"),
        (ragged_line_3, "has 22 fields on line 3, more than the 21 columns of its header"),
    ],
    ids=["empty", "header-only", "non-utf8", "wrong-delimiter", "missing", "renamed", "extra", "ragged"],
)
def test_malformed_drops_fail_clearly_and_keep_bronze(
    pipeline: Pipeline, content: Callable[[], bytes], problem: str
) -> None:
    drop = Path(pipeline.write_drop(DAY, rows=30))
    assert pipeline.materialize(DAY, BRONZE).success
    before = pipeline.lake_frame("bronze/house_sales", DAY)

    drop.write_bytes(content())
    result = pipeline.materialize(DAY, BRONZE, raise_on_error=False)

    assert not result.success
    message = result.failure_data_for_node("bronze__house_sales").error.message
    assert problem in message and str(DAY) in message and str(drop) in message, message
    assert pipeline.lake_frame("bronze/house_sales", DAY).equals(before)


def test_a_1_gb_drop_is_rejected_by_size_before_it_is_read(pipeline: Pipeline) -> None:
    drop = Path(pipeline.write_drop(DAY, rows=30))
    assert pipeline.materialize(DAY, BRONZE).success
    before = pipeline.lake_frame("bronze/house_sales", DAY)
    with drop.open("r+b") as file:
        os.truncate(file.fileno(), 1024**3)  # sparse: 1 GiB long, no disk used
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    result = pipeline.materialize(DAY, BRONZE, raise_on_error=False)

    message = result.failure_data_for_node("bronze__house_sales").error.message
    assert "is 1,024 MB, above the 512 MB limit" in message and "REAL_ESTATE_MAX_DROP_MB" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 200 * 1024  # KB: never read
    assert pipeline.lake_frame("bronze/house_sales", DAY).equals(before)


def test_documented_tolerant_parse_of_separators_quoted_newlines_and_short_rows(pipeline: Pipeline) -> None:
    sales = generate_house_sales(DAY, rows=400).with_columns(pl.col("price").cast(pl.Float64))
    lines = sales.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.format('"{}"', pl.col("price").cast(pl.Int64).map_elements(lambda v: f"{v:,}", pl.String)))
        .otherwise(pl.col("price").cast(pl.String))
        .alias("price")
    ).write_csv(quote_style="never")
    records = lines.splitlines()
    first_id = records[1].split(",", 1)[0]
    records[2] = records[2].replace(f",{records[2].split(',')[16]},", ',"98 103\nsuite 2",', 1)
    records[3] = ",".join(records[3].split(",")[:10])  # a short row: the last 11 fields missing
    Path(pipeline.write_drop(DAY)).write_text("\n".join(records) + "\n")

    result = pipeline.materialize(DAY, UPSTREAM_OF_MODEL, raise_on_error=False)

    silver = pipeline.lake_frame("silver/house_sales", DAY)
    rejected = pipeline.lake_frame("silver/house_sales_rejected", DAY)
    assert result.success
    # "1,250,000" in quotes reads as 1250000: thousands separators are tolerated in numbers.
    quoted = silver.filter(pl.col("id") == int(first_id))
    assert quoted["price"].item() == sales["price"][0]
    # A quoted newline stays inside its field; the record is kept whole and judged on its value.
    assert rejected.filter(pl.col("zipcode") == "98 103\nsuite 2")["source_line"].to_list() == [3]
    # A short row is padded with nulls and quarantined with the reasons, not dropped.
    short = rejected.filter(pl.col("source_line") == 4)
    assert short.height == 1
    assert {"lat is not a finite number", "long is not a finite number"} <= set(
        short["reject_reason"].item().split("; ")
    )
    assert silver.height + rejected.height == 400


def test_a_20_mb_header_gives_a_bounded_error_naming_the_first_columns_and_a_count(
    pipeline: Pipeline,
) -> None:
    extra = [f"{n:04d}" + "x" * 10_000 for n in range(2_000)]  # 2,000 names of 10 kB: a 20 MB header
    drop = Path(pipeline.write_drop(DAY, rows=30))
    drop.write_bytes(with_header(HEADER + "," + ",".join(extra))())

    result = pipeline.materialize(DAY, BRONZE, raise_on_error=False)

    message = result.failure_data_for_node("bronze__house_sales").error.message
    assert "has unexpected columns [0000x" in message and "and 1980 more" in message
    assert str(DAY) in message and len(message) < 10_000


HOSTILE_FIELD = "<!channel> " + "x" * 20_000_000  # a 20 MB field that mentions everyone on Slack


def error_messages(error: object) -> list[str]:
    """The messages of a serialized error and of every error it chains to."""
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause or error.context
    return messages


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (lambda: (good_csv() + '"' + HOSTILE_FIELD + "\n").encode(), "cannot be read as UTF-8 CSV"),
        (lambda: (good_csv() + ",".join([HOSTILE_FIELD] + ["1"] * 21) + "\n").encode(), "line 7"),
    ],
    ids=["unterminated-quote", "ragged"],
)
def test_a_20_mb_field_gives_a_bounded_error_naming_the_partition_file_and_line(
    pipeline: Pipeline, content: Callable[[], bytes], problem: str
) -> None:
    drop = Path(pipeline.write_drop(DAY, rows=30))
    drop.write_bytes(content())

    result = pipeline.materialize(DAY, BRONZE, raise_on_error=False)

    assert not result.success
    error = result.failure_data_for_node("bronze__house_sales").error
    message = error.message
    assert problem in message and str(DAY) in message and str(drop) in message, message[:2000]
    assert sum(len(text) for text in error_messages(error)) < 2_000, [t[:200] for t in error_messages(error)]
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data
    assert len(failure.user_failure_data.description) < 2_000
