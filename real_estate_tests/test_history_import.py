"""`real-estate-import`: a year of history in one file becomes one atomic drop per day."""

import datetime as dt
from pathlib import Path

import mlflow
import polars as pl
import pytest

from real_estate.backfill import main as backfill_main
from real_estate.history_import import main
from real_estate.sample.house_sales import generate_house_sales
from real_estate_tests.conftest import BIN, cli_env, run_command

DAYS = [dt.date(2014, 5, 2) + dt.timedelta(days=n) for n in (0, 1, 2, 40)]


def history_file(tmp_path: Path, bad_dates: list[str]) -> tuple[Path, pl.DataFrame]:
    """kc_house_data's shape: many days in one file, rows in no particular order, some dates broken."""
    sales = pl.concat([generate_house_sales(day, rows=30 + n, seed=n) for n, day in enumerate(DAYS)])
    sales = sales.sample(fraction=1.0, shuffle=True, seed=1)
    broken = sales.head(len(bad_dates)).with_columns(date=pl.Series(bad_dates))
    with_broken = pl.concat([sales.head(7), broken, sales.slice(7)])
    path = tmp_path / "kc_house_data.csv"
    with_broken.write_csv(path)
    return path, sales


def test_a_multi_day_file_becomes_one_drop_per_day_with_its_rows_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, sales = history_file(tmp_path, bad_dates=[])
    landing = tmp_path / "landing"

    assert main([str(path), "--landing", str(landing)]) == 0

    drops = sorted((landing / "house_sales").iterdir())
    assert [drop.name for drop in drops] == [f"{day}.csv" for day in DAYS]
    for day, drop in zip(DAYS, drops, strict=True):
        written = pl.read_csv(drop, infer_schema=False)
        expected = sales.filter(pl.col("date").str.starts_with(day.strftime("%Y%m%d")))
        assert written.equals(expected), day
    output = capsys.readouterr().out
    assert f"Wrote 4 daily drops, {sales.height:,} sales, from {DAYS[0]} to {DAYS[-1]}" in output
    assert (
        "before the first partition (2026-01-01)" in output
        and "REAL_ESTATE_PARTITIONS_START=2014-05-02" in output
    )
    assert not list((landing / "house_sales").glob(".*"))  # atomic: no temporary file left
    assert "Replaced" not in output

    assert main([str(path), "--landing", str(landing)]) == 0
    assert f"Replaced the earlier drops of 4 days: {DAYS[0]}" in capsys.readouterr().out


def test_rows_without_a_parsable_date_are_refused_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, sales = history_file(tmp_path, bad_dates=["", "2014-13-45", "<b>soon</b>", "20620101T000000"])
    landing = tmp_path / "landing"

    assert main([str(path), "--landing", str(landing)]) == 1

    output = capsys.readouterr().out
    assert "Refused 4 rows whose date does not parse or has not come yet" in output
    assert "line 12 (date '20620101T000000')" in output
    assert "line 9 (date '')" in output and "line 10 (date '2014-13-45')" in output
    assert "line 11 (date '<b>soon</b>')" in output
    written = sum(
        pl.read_csv(drop, infer_schema=False).height for drop in (landing / "house_sales").iterdir()
    )
    assert written == sales.height


def test_a_file_with_other_columns_is_refused_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sales.csv"
    generate_house_sales(DAYS[0], rows=5).drop("grade").write_csv(path)

    assert main([str(path), "--landing", str(tmp_path / "landing")]) == 2

    assert "lacks columns [grade]" in capsys.readouterr().err
    assert not (tmp_path / "landing").exists()


def test_from_one_file_to_a_trained_model_with_the_readme_commands(tmp_path: Path) -> None:
    days = [dt.date(2014, 5, 2) + dt.timedelta(days=n) for n in range(10)]
    path = tmp_path / "kc_house_data.csv"
    pl.concat([generate_house_sales(day, rows=120, seed=n) for n, day in enumerate(days)]).write_csv(path)
    env = cli_env(
        tmp_path,
        REAL_ESTATE_PARTITIONS_START=days[0].isoformat(),
        REAL_ESTATE_MIN_HOLDOUT_ROWS="100",
        REAL_ESTATE_MIN_HOLDOUT_DAYS="2",
    )

    def run(*command: str) -> str:
        completed = run_command([str(BIN / command[0]), *command[1:]], env, tmp_path, timeout=600)
        assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
        return completed.stdout

    assert "Wrote 10 daily drops, 1,200 sales" in run("real-estate-import", str(path))
    backfill = run("real-estate-backfill", "--start", str(days[0]), "--end", str(days[-1]))
    assert "10 of 10 partitions succeeded" in backfill
    run("dagster", "asset", "materialize", "-m", "real_estate.definitions", "--select", "ml/price_model")

    client = mlflow.MlflowClient(env["MLFLOW_TRACKING_URI"])
    [version] = client.search_model_versions("name = 'real_estate_price'")
    tags = client.get_run(version.run_id).data.tags
    assert tags["as_of"] == days[-1].isoformat()
    assert tags["training_days"] == ",".join(day.isoformat() for day in days)


def test_a_backfill_of_days_outside_the_partitions_names_the_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        backfill_main(["--start", "2014-05-02", "--end", "2014-05-03"])

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "2014-05-02 is not a partition" in error and "REAL_ESTATE_PARTITIONS_START" in error
