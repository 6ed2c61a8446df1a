"""The check factory on its own: schema failures, row comparisons and what they report."""

import datetime as dt

import dagster as dg
import pandera.polars as pa
import polars as pl
import pytest

from real_estate.checks import (
    audit_counts,
    count_check,
    evaluate_schema,
    mismatched_ids,
    rows_check,
    same_ids,
)
from real_estate.sample.house_sales import generate_house_sales
from real_estate.schemas.gold import PricePredictionsGold
from real_estate.schemas.silver import HouseSalesSilver
from real_estate.transforms.house_sales import split_house_sales

KEY = dg.AssetKey(["gold", "price_predictions"])
DAY = dt.date(2026, 7, 1)


def predictions(predicted: list[float], versions: list[str] | None = None) -> pl.DataFrame:
    rows = len(predicted)
    return pl.DataFrame(
        {
            "id": list(range(rows)),
            "sale_date": [DAY] * rows,
            "zipcode": ["98103"] * rows,
            "price": [500_000.0] * rows,
            "predicted_price": predicted,
            "model_name": ["m"] * rows,
            "model_version": versions or ["3"] * rows,
            "model_run_id": ["r"] * rows,
            "predicted_at": [dt.datetime(2026, 7, 2, tzinfo=dt.UTC)] * rows,
        },
        schema_overrides={"predicted_at": pl.Datetime("us", "UTC")},
    )


def test_valid_predictions_pass() -> None:
    result = evaluate_schema(predictions([450_000.0, 1_200_000.0]), PricePredictionsGold, KEY, "2026-07-01")

    assert result.passed and result.metadata["failed_rows"].value == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -5.0, 0.0, 9e9])
def test_predictions_must_be_finite_positive_and_plausible(bad: float) -> None:
    result = evaluate_schema(predictions([450_000.0, bad]), PricePredictionsGold, KEY, "2026-07-01")

    assert not result.passed
    assert result.metadata["failed_rows"].value == 1
    assert "predicted_price" in result.metadata["failed_rules"].value
    assert result.description.startswith("partition 2026-07-01 breaks PricePredictionsGold (1 rows at fault)")


def test_predictions_must_carry_a_model_version() -> None:
    result = evaluate_schema(predictions([450_000.0], versions=[""]), PricePredictionsGold, KEY, "2026-07-01")

    assert not result.passed and "model_version" in result.metadata["failed_rules"].value


def test_run_time_column_checks_pin_the_sale_date_to_the_partition() -> None:
    sales = pl.DataFrame({name: [1] for name in HouseSalesSilver.to_schema().columns}).cast(
        {name: column.dtype.type for name, column in HouseSalesSilver.to_schema().columns.items()}
    )
    sales = sales.with_columns(sale_date=pl.lit(DAY - dt.timedelta(days=1)), price=pl.lit(1.0))
    check = {"sale_date": [pa.Check.equal_to(DAY, error=f"sale_date == {DAY}")]}

    result = evaluate_schema(sales, HouseSalesSilver, KEY, DAY.isoformat(), column_checks=check)

    assert not result.passed and f"sale_date == {DAY}" in result.metadata["failed_rules"].value


def valid_sales() -> pl.DataFrame:
    valid, _ = split_house_sales(generate_house_sales(DAY, rows=20).lazy(), DAY)
    return valid.collect()


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("id", pl.col("id").first()),
        ("price", pl.lit(-1.0)),
        ("price", pl.lit(float("nan"))),
        ("price", pl.lit(None, pl.Float64)),
        ("bedrooms", pl.lit(99)),
        ("bathrooms", pl.lit(10.5)),
        ("waterfront", pl.lit(2)),
        ("zipcode", pl.lit("9810")),
        ("lat", pl.lit(10.0)),
        ("sale_date", pl.lit(DAY - dt.timedelta(days=1))),
    ],
    ids=str,
)
def test_the_one_pass_audit_finds_what_pandera_finds(column: str, bad: pl.Expr) -> None:
    sales = valid_sales()
    broken = sales.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(bad).otherwise(column).alias(column)
    )
    check = {"sale_date": [pa.Check.equal_to(DAY, error=f"sale_date == {DAY}")]}

    assert evaluate_schema(sales.lazy(), HouseSalesSilver, KEY, DAY.isoformat(), column_checks=check).passed
    result = evaluate_schema(broken.lazy(), HouseSalesSilver, KEY, DAY.isoformat(), column_checks=check)

    assert not result.passed and column in result.metadata["failed_rules"].value


def test_proven_columns_are_not_audited_again() -> None:
    broken = valid_sales().with_columns(price=pl.lit(-1.0))

    assert evaluate_schema(broken.lazy(), HouseSalesSilver, KEY, DAY.isoformat(), proven=["price"]).passed


def test_counts_taken_while_writing_are_used_and_must_count_the_rows_written() -> None:
    sales = valid_sales()
    broken = sales.with_columns(price=pl.lit(-1.0))

    def audited(frame: pl.DataFrame) -> dg.AssetCheckResult:
        return evaluate_schema(
            frame.lazy(),
            HouseSalesSilver,
            KEY,
            "p",
            counts=audit_counts(frame.lazy(), HouseSalesSilver).collect(),
        )

    assert audited(sales).passed
    failed = audited(broken)
    assert not failed.passed and "price" in failed.metadata["failed_rules"].value
    # Counts of another number of rows than were written: not an audit of what was written.
    short = audit_counts(sales.head(3).lazy(), HouseSalesSilver).collect()
    result = evaluate_schema(sales.lazy(), HouseSalesSilver, KEY, "p", counts=short)
    assert not result.passed
    assert (
        result.description
        == f"partition p: 3 rows were audited as they were written, but {sales.height} were written"
    )


def test_same_ids_compares_counts_and_ids_in_any_order() -> None:
    ids = pl.LazyFrame({"id": [1, 2, 3]})

    assert same_ids(ids, pl.LazyFrame({"id": [3, 1, 2]}))
    assert not same_ids(ids, pl.LazyFrame({"id": [1, 2, 2]}))
    assert not same_ids(ids, pl.LazyFrame({"id": [1, 2, 3, 3]}))


def test_mismatched_ids_find_missing_extra_and_repeated_rows() -> None:
    before = pl.DataFrame({"id": [1, 2, 3, 4]})
    after = pl.DataFrame({"id": [1, 2, 2, 5]})

    mismatched = mismatched_ids(before, after, ("silver", "gold"))

    assert mismatched.rows() == [(2, 1, 2), (3, 1, 0), (4, 1, 0), (5, 0, 1)]


def test_rows_and_count_checks_report_the_partition_and_the_problem() -> None:
    failing = rows_check("one_row", KEY, "2026-07-01", pl.DataFrame({"id": [7]}), "ids are missing")
    counted = count_check("counted", KEY, "2026-07-01", ("bronze rows", 10), ("silver rows", 9))

    assert not failing.passed and failing.description == "partition 2026-07-01: 1 ids are missing"
    assert "| 7  |" in failing.metadata["failing_rows_sample"].value
    assert (
        not counted.passed and counted.description == "partition 2026-07-01: 10 bronze rows but 9 silver rows"
    )
    assert count_check("counted", KEY, "2026-07-01", ("a", 3), ("b", 3)).passed


def test_huge_failing_values_are_bounded_in_the_description_and_inert_in_the_tables() -> None:
    frame = predictions([450_000.0] * 3).with_columns(
        zipcode=pl.Series([f"[Re-auth](https://example.invalid) {n} " + "x" * 1_000_000 for n in range(3)])
    )

    zip_code_rule = {"zipcode": [pa.Check.str_length(max_value=5)]}
    result = evaluate_schema(frame, PricePredictionsGold, KEY, "2026-07-01", column_checks=zip_code_rule)

    assert not result.passed and "zipcode" in result.description
    assert len(result.description) < 2_000, len(result.description)
    for table in ("failed_rules", "failing_rows_sample"):
        shown = result.metadata[table].value
        assert r"\[Re-auth\]\(https\://example.invalid\)" in shown and len(shown) < 5_000, table
