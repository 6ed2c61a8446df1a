"""Warehouse loads on embedded DuckDB and on a real PostgreSQL server; Redshift's COPY unit-tested."""

import datetime as dt
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import psycopg
import pytest

from real_estate.deployment import ConfigurationError
from real_estate.resources.warehouse import WarehouseResource, table_spec
from real_estate.resources.warehouse_sql import (
    Dialect,
    RedshiftDialect,
    SchemaMismatchError,
    WarehouseLockedError,
    redshift_copy_statement,
)
from real_estate.schemas.gold import PricePredictionsGold
from real_estate.schemas.silver import HouseSalesSilver, ParksSilver
from real_estate_tests.conftest import local_env, make_pipeline

DAYS = [dt.date(2026, 9, 1) + dt.timedelta(days=n) for n in range(3)]
QUERIES = Path(__file__).resolve().parents[1] / "docs" / "warehouse_queries.sql"


class Warehouse:
    """A backend under test: its resource and a way to query it directly."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.resource = WarehouseResource(url=url, schema_name="real_estate")

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.url.startswith("duckdb"):
            with duckdb.connect(self.url.removeprefix("duckdb:///"), read_only=True) as connection:
                return connection.execute(sql.replace("%s", "?"), list(params)).fetchall()
        with psycopg.connect(self.url) as connection:
            return connection.execute(sql, params).fetchall()

    def count(self, table: str, day: dt.date | None = None) -> int:
        where = " WHERE partition_date = %s" if day else ""
        return self.query(f"SELECT count(*) FROM real_estate.{table}{where}", *([day] if day else []))[0][0]


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    if request.param == "duckdb":
        yield Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
        return
    server = request.getfixturevalue("postgres_url")
    database = f"test_{re.sub(r'[^a-z0-9]', '_', request.node.name.lower())[:40]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    yield Warehouse(server.rsplit("/", 1)[0] + f"/{database}")


def sales(day: dt.date, rows: int = 5, start_id: int = 1) -> pl.DataFrame:
    schema = HouseSalesSilver.to_schema().columns
    frame = pl.DataFrame({name: [1] * rows for name in schema}).cast(
        {name: column.dtype.type for name, column in schema.items()}
    )
    return frame.with_columns(
        id=pl.int_range(start_id, start_id + rows, dtype=pl.Int64),
        sale_date=pl.lit(day),
        price=pl.int_range(rows).cast(pl.Float64) * 1000 + 300_000,
        zipcode=pl.lit("98103"),
        sqft_living=pl.lit(1500, pl.Int64),
    )


def test_reloading_a_partition_replaces_it_and_other_partitions_stay(warehouse: Warehouse) -> None:
    first = warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 5))
    again = warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 4))
    other = warehouse.resource.replace_partition(
        "house_sales", HouseSalesSilver, DAYS[1], sales(DAYS[1], 3, 100)
    )

    assert (first.rows_loaded, first.rows_replaced, first.rows_in_partition) == (5, 0, 5)
    assert (again.rows_loaded, again.rows_replaced, again.rows_in_partition) == (4, 5, 4)
    assert other.rows_in_partition == 3 and other.table == "real_estate.house_sales"
    assert warehouse.count("house_sales", DAYS[0]) == 4 and warehouse.count("house_sales") == 7


def test_a_failure_between_delete_and_insert_keeps_the_previous_rows(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 5))

    def fail_after_delete(self: Dialect, cursor: Any, *args: Any) -> None:
        raise ConnectionError("connection dropped mid-load")

    monkeypatch.setattr(type(warehouse.resource.dialect()), "insert", fail_after_delete)
    with pytest.raises(ConnectionError):
        warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 2))

    assert warehouse.count("house_sales", DAYS[0]) == 5
    monkeypatch.undo()
    assert (
        warehouse.resource.replace_partition(
            "house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 2)
        ).rows_in_partition
        == 2
    )


def test_the_connection_killed_mid_load_keeps_the_previous_rows_and_the_retry_succeeds(
    postgres_url: str, tmp_path: Path
) -> None:
    database = "test_killed_mid_load"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    warehouse = Warehouse(postgres_url.rsplit("/", 1)[0] + f"/{database}")
    warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 5))
    with psycopg.connect(warehouse.url, autocommit=True) as admin:
        # Fault injection: the load pauses right after its DELETE, and is killed there.
        admin.execute(
            "CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$"
        )
        admin.execute(
            "CREATE TRIGGER stall_after_delete AFTER DELETE ON real_estate.house_sales "
            "FOR EACH STATEMENT EXECUTE FUNCTION stall()"
        )
        failure: list[BaseException] = []

        def load() -> None:
            try:
                warehouse.resource.replace_partition(
                    "house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 2)
                )
            except BaseException as error:  # noqa: BLE001 (recorded for the assertion below)
                failure.append(error)

        loader = threading.Thread(target=load)
        loader.start()
        deadline = time.monotonic() + 20
        killed = 0
        while not killed and time.monotonic() < deadline:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query LIKE 'DELETE FROM%%' AND wait_event = 'PgSleep'"
            ).fetchone()[0]
            time.sleep(0.05)
        loader.join(timeout=30)
        admin.execute("DROP TRIGGER stall_after_delete ON real_estate.house_sales")

    assert killed == 1 and len(failure) == 1 and isinstance(failure[0], psycopg.OperationalError)
    assert warehouse.count("house_sales", DAYS[0]) == 5
    retried = warehouse.resource.replace_partition(
        "house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 2)
    )
    assert retried.rows_replaced == 5 and warehouse.count("house_sales", DAYS[0]) == 2


def test_two_loads_of_one_partition_at_once_leave_exactly_one_of_them(warehouse: Warehouse) -> None:
    warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 5))
    frames = {20_000: sales(DAYS[0], 20_000), 30_000: sales(DAYS[0], 30_000)}
    start = threading.Barrier(len(frames))
    outcomes: dict[int, object] = {}

    def load(rows: int) -> None:
        start.wait()
        try:
            outcomes[rows] = warehouse.resource.replace_partition(
                "house_sales", HouseSalesSilver, DAYS[0], frames[rows]
            )
        except Exception as error:  # noqa: BLE001 (a refused concurrent writer is an allowed outcome)
            outcomes[rows] = error

    threads = [threading.Thread(target=load, args=(rows,)) for rows in frames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    succeeded = [rows for rows, outcome in outcomes.items() if not isinstance(outcome, Exception)]
    assert succeeded, outcomes
    in_partition = warehouse.count("house_sales", DAYS[0])
    distinct = warehouse.query(
        "SELECT count(DISTINCT id) FROM real_estate.house_sales WHERE partition_date = %s", DAYS[0]
    )[0][0]
    assert in_partition in succeeded and distinct == in_partition


class WithNewColumn(HouseSalesSilver):
    price_per_sqft: pl.Float64


class WithoutView(HouseSalesSilver):
    class Config:
        strict = False


def test_schema_evolution_adds_new_columns_and_refuses_removed_or_retyped_ones(warehouse: Warehouse) -> None:
    warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0]))

    widened = sales(DAYS[1]).with_columns(price_per_sqft=pl.col("price") / pl.col("sqft_living"))
    result = warehouse.resource.replace_partition("house_sales", WithNewColumn, DAYS[1], widened)

    assert result.columns_added == ("price_per_sqft",)
    assert warehouse.query("SELECT count(price_per_sqft) FROM real_estate.house_sales")[0][0] == 5
    with pytest.raises(SchemaMismatchError, match=r"removed \['price_per_sqft'\]"):
        warehouse.resource.replace_partition("house_sales", HouseSalesSilver, DAYS[2], sales(DAYS[2]))
    retyped = widened.with_columns(pl.col("bedrooms").cast(pl.Float64))

    class RetypedBedrooms(WithNewColumn):
        bedrooms: pl.Float64

    with pytest.raises(SchemaMismatchError, match=r"retyped \['bedrooms \(.+ -> .+\)'\]"):
        warehouse.resource.replace_partition("house_sales", RetypedBedrooms, DAYS[2], retyped)
    assert warehouse.count("house_sales", DAYS[2]) == 0


def test_identifiers_from_configuration_are_validated(tmp_path: Path) -> None:
    resource = WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}", schema_name='x"; DROP TABLE y; --')

    with pytest.raises(ConfigurationError, match="not a valid warehouse identifier"):
        resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0]))


def test_the_schema_is_configured_by_the_environment(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    pipeline = make_pipeline(
        local_env(tmp_path)
        | {"REAL_ESTATE_WAREHOUSE_URL": url, "REAL_ESTATE_WAREHOUSE_SCHEMA": "bi_reporting"},
        instance,
    )
    pipeline.write_drop(DAYS[0], rows=20)

    assert pipeline.materialize(DAYS[0], dg.AssetSelection.groups("bronze", "silver", "warehouse")).success
    assert Warehouse(url).query("SELECT count(*) FROM bi_reporting.house_sales")[0][0] == 20


def test_an_unknown_warehouse_url_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="REAL_ESTATE_WAREHOUSE_URL"):
        WarehouseResource(url="mysql://db/x").dialect()


def test_redshift_stages_parquet_and_copies_it_with_the_configured_role() -> None:
    spec = table_spec("real_estate", "parks", ParksSilver)
    dialect = WarehouseResource(
        url="redshift://loader:secret@cluster.example.com:5439/analytics",
        redshift_staging_url="s3://lake-bucket/lake/_staging/warehouse",
        redshift_iam_role="arn:aws:iam::123456789012:role/redshift-loader",
    ).dialect()

    assert isinstance(dialect, RedshiftDialect)
    staged = dialect.staged_url(spec, DAYS[0])
    assert staged == "s3://lake-bucket/lake/_staging/warehouse/real_estate/parks/2026-09-01.parquet"
    statement = redshift_copy_statement(spec, staged, dialect.iam_role)
    assert statement.startswith('COPY "real_estate"."parks" ("pmaid", "name", ')
    assert statement.endswith(
        f"\"partition_date\") FROM '{staged}' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/redshift-loader' FORMAT AS PARQUET"
    )
    assert dialect.column_type(pl.String()) == ("VARCHAR(65535)", "character varying")
    with pytest.raises(ConfigurationError, match="REAL_ESTATE_REDSHIFT_IAM_ROLE"):
        redshift_copy_statement(spec, staged, "arn:aws:iam::1:role/x' --")
    with pytest.raises(ConfigurationError, match="staging URL"):
        redshift_copy_statement(spec, "s3://bucket/it's", dialect.iam_role)
    with pytest.raises(ConfigurationError, match="REAL_ESTATE_REDSHIFT_IAM_ROLE"):
        WarehouseResource(url="redshift://h/db", redshift_staging_url="/local/lake").dialect()


def test_three_partitions_loaded_twice_through_dagster_match_silver_and_queries_run(
    warehouse: Warehouse, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REAL_ESTATE_WAREHOUSE_URL", warehouse.url)
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_WAREHOUSE_URL": warehouse.url}, instance)
    upstream_and_warehouse = dg.AssetSelection.groups("bronze", "silver", "warehouse")
    for day in DAYS:
        pipeline.write_drop(day, rows=60)
    for _ in range(2):
        for day in DAYS:
            result = pipeline.materialize(day, upstream_and_warehouse)
            assert all(
                c.passed for c in result.get_asset_check_evaluations() if c.check_name.startswith("row_count")
            )

    for day in DAYS:
        assert warehouse.count("house_sales", day) == pipeline.lake_frame("silver/house_sales", day).height
        assert warehouse.count("parks", day) == pipeline.lake_frame("silver/parks", day).height
    features = warehouse.query("SELECT features FROM real_estate.parks WHERE num_features > 1 LIMIT 1")[0][0]
    assert "; " in features
    code = "\n".join(line for line in QUERIES.read_text().splitlines() if not line.startswith("--"))
    queries = [query for query in code.split(";") if query.strip()]
    assert len(queries) == 4
    for query in queries:
        assert warehouse.query(query), query


def test_a_row_count_mismatch_is_rolled_back_before_bi_sees_it(
    postgres_url: str, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"audit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    url = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    monkeypatch.setenv("REAL_ESTATE_WAREHOUSE_URL", url)
    pipeline = make_pipeline(local_env(tmp_path) | {"REAL_ESTATE_WAREHOUSE_URL": url}, instance)
    upstream_and_warehouse = dg.AssetSelection.groups("bronze", "silver", "warehouse")
    pipeline.write_drop(DAYS[0], rows=30)
    assert pipeline.materialize(DAYS[0], upstream_and_warehouse).success
    with psycopg.connect(url, autocommit=True) as admin:
        # A rogue trigger: every load gains a row that silver does not have.
        admin.execute(
            "CREATE FUNCTION add_row() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO real_estate.house_sales (id, partition_date) "
            "VALUES (-1, (SELECT max(partition_date) FROM real_estate.house_sales)); RETURN NULL; END $$"
        )
        admin.execute(
            "CREATE TRIGGER add_row AFTER INSERT ON real_estate.house_sales "
            "FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION add_row()"
        )
    pipeline.write_drop(DAYS[0], rows=40)

    result = pipeline.materialize(DAYS[0], upstream_and_warehouse, raise_on_error=False)

    [check] = [
        c for c in result.get_asset_check_evaluations() if c.asset_key.path == ["warehouse", "house_sales"]
    ]
    assert not check.passed and check.metadata["warehouse_rows"].value == 41
    assert check.metadata["silver_rows"].value == 40
    assert not result.success
    with psycopg.connect(url) as reader:
        rows = reader.execute(
            "SELECT count(*), min(id) FROM real_estate.house_sales WHERE partition_date = %s", (DAYS[0],)
        ).fetchone()
    assert rows[0] == 30 and rows[1] > 0  # the previous load, untouched


def hold_duckdb_lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process (a BI tool, say) with the DuckDB file open for `seconds`."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "time.sleep(float(sys.argv[2]))",
            str(path),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "open"
    return holder


def test_a_duckdb_warehouse_held_by_a_reader_is_retried_until_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    resource = WarehouseResource(url=f"duckdb:///{path}")
    resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 5))
    holder = hold_duckdb_lock(path, 3)
    started = time.monotonic()

    result = resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 7))

    holder.wait(timeout=30)
    assert result.rows_in_partition == 7 and time.monotonic() - started >= 1


def test_a_duckdb_warehouse_held_too_long_fails_naming_the_lock_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    resource = WarehouseResource(url=f"duckdb:///{path}", lock_timeout_seconds=2)
    resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 5))
    holder = hold_duckdb_lock(path, 30)
    try:
        with pytest.raises(WarehouseLockedError) as failure:
            resource.replace_partition("house_sales", HouseSalesSilver, DAYS[0], sales(DAYS[0], 7))
    finally:
        holder.kill()
        holder.wait()
    message = str(failure.value)
    assert str(path) in message and "lock" in message and "read_only" in message
    assert "2 s" in message


def scoring(day: dt.date, version: str, rows: int) -> pl.DataFrame:
    """One scoring of a day's houses by one model version, shaped as gold/price_predictions."""
    return pl.DataFrame(
        {
            "id": pl.int_range(1, rows + 1, eager=True),
            "sale_date": [day] * rows,
            "zipcode": ["98103"] * rows,
            "price": [500_000.0] * rows,
            "predicted_price": [float(480_000 + int(version))] * rows,
            "model_name": ["real_estate_price"] * rows,
            "model_version": [version] * rows,
            "model_run_id": [f"run-{version}"] * rows,
            "predicted_at": [dt.datetime(2026, 9, 2, int(version), tzinfo=dt.UTC)] * rows,
        }
    ).cast({"predicted_at": pl.Datetime("us", "UTC")})


def test_every_scoring_is_kept_and_scoring_again_with_one_version_replaces_only_it(
    warehouse: Warehouse,
) -> None:
    def load(version: str, rows: int) -> None:
        frame = scoring(DAYS[0], version, rows)
        warehouse.resource.replace_partition(
            "price_predictions", PricePredictionsGold, DAYS[0], frame, slice_by=("model_version",)
        )

    load("1", 5)
    load("2", 4)
    load("1", 5)  # the day scored again by version 1: no duplicates, version 2 stays

    counts = warehouse.query(
        "SELECT model_version, count(*) FROM real_estate.price_predictions GROUP BY 1 ORDER BY 1"
    )
    assert counts == [("1", 5), ("2", 4)]
