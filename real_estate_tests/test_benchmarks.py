"""The benchmark's baselines do the same work as the pipeline, rule for rule, from the contract."""

import datetime as dt
import sys
from pathlib import Path

import polars as pl
import polars.selectors as cs
import pytest

from real_estate.contracts.house_sales import ROW_RULES
from real_estate.sample.house_sales import generate_house_sales
from real_estate.sample.parks import load_bundled
from real_estate.sources.socrata import rows_to_frame
from real_estate.transforms.parks import build_parks
from real_estate_tests.test_contracts import EDGE_VALUES, breaking_value

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from implementations import IMPLEMENTATIONS  # noqa: E402

DAY = dt.date(2026, 3, 1)
OUTPUTS = ("silver", "rejected", "gold")


def outputs(folder: Path) -> dict[str, pl.DataFrame]:
    """Each output, in a comparable form: rows sorted, dates and counts in common types."""
    frames = {}
    for name in OUTPUTS:
        frame = pl.read_parquet(folder / f"{name}.parquet")
        frame = frame.with_columns(cs.temporal().cast(pl.Date), cs.numeric().cast(pl.Float64))
        frames[name] = frame.sort(frame.columns)
    return frames


def one_row_breaking_each_rule() -> pl.DataFrame:
    """Rows at the contract's edges: each breaks one rule (a fresh id each, so none is a duplicate)."""
    valid = generate_house_sales(DAY + dt.timedelta(days=1), rows=len(ROW_RULES)).with_columns(
        date=pl.lit(DAY.strftime("%Y%m%dT000000"))
    )
    broken = [
        valid.slice(number, 1).with_columns(
            pl.lit(breaking_value(rule, valid[rule.column.name][number]), pl.String).alias(rule.column.name)
        )
        for number, rule in enumerate(ROW_RULES)
    ]
    edges = generate_house_sales(DAY + dt.timedelta(days=2), rows=len(EDGE_VALUES)).with_columns(
        date=pl.lit(DAY.strftime("%Y%m%dT000000"))
    )
    return pl.concat(
        [
            *broken,
            *(
                edges.slice(number, 1).with_columns(pl.lit(value).alias(column))
                for number, (column, value, _) in enumerate(EDGE_VALUES)
            ),
        ]
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    sales, parks = folder / "sales.csv", folder / "parks.parquet"
    generate_house_sales(DAY, rows=2_000, bad_rows=40).vstack(one_row_breaking_each_rule()).write_csv(sales)
    build_parks(
        rows_to_frame(load_bundled("parks_addresses.json")).lazy(),
        rows_to_frame(load_bundled("park_features.json")).lazy(),
    ).collect().write_parquet(parks)
    return sales, parks


@pytest.mark.parametrize("baseline", [name for name in IMPLEMENTATIONS if name != "polars (ours)"])
def test_a_baseline_writes_what_the_pipeline_writes(
    baseline: str, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    results = {}
    for name in ("polars (ours)", baseline):
        out = tmp_path / name.split()[0]
        out.mkdir()
        IMPLEMENTATIONS[name](*inputs, DAY, out)
        results[name] = outputs(out)

    ours, theirs = results["polars (ours)"], results[baseline]
    edge_rejects = sum(reason is not None for _, _, reason in EDGE_VALUES)
    assert ours["rejected"].height == 40 + len(ROW_RULES) + edge_rejects
    for name in OUTPUTS:
        assert theirs[name].columns == ours[name].columns, name
        assert theirs[name].equals(ours[name]), name
