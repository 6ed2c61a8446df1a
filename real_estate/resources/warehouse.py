"""The reporting warehouse: silver partitions loaded un-aggregated, one partition replaced per load."""

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl

from real_estate.deployment import ConfigurationError

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PARTITION_COLUMN = "partition_date"


def quote_identifier(name: str) -> str:
    """A validated, double-quoted SQL identifier; anything else is refused."""
    if not IDENTIFIER.match(name):
        raise ConfigurationError(
            f"{name!r} is not a valid warehouse identifier (letters, digits, underscore; "
            "starting with a letter or underscore; at most 63 characters)"
        )
    return f'"{name}"'


@dataclass(frozen=True)
class LoadResult:
    """What one partition load did."""

    table: str
    rows_loaded: int
    rows_replaced: int
    rows_in_partition: int
    seconds: float


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse named by `REAL_ESTATE_WAREHOUSE_URL` (`duckdb:///path` embedded by default)."""

    url: str
    schema_name: str = "real_estate"

    def _duckdb_path(self) -> str:
        prefix = "duckdb:///"
        if not self.url.startswith(prefix):
            raise ConfigurationError(f"REAL_ESTATE_WAREHOUSE_URL={self.url!r}: expected duckdb:///<path>")
        # duckdb:///relative/path and duckdb:////absolute/path, as SQLAlchemy reads them.
        return self.url[len(prefix) :]

    @property
    def kind(self) -> str:
        return self.url.split(":", 1)[0]

    def qualified(self, table: str) -> str:
        return f"{quote_identifier(self.schema_name)}.{quote_identifier(table)}"

    def replace_partition(self, table: str, day: dt.date, frame: pl.DataFrame) -> LoadResult:
        """Replace the rows of partition `day` in `table` with `frame`, in one transaction.

        The table is created on first load; `partition_date` is added to every row. A failure
        anywhere rolls back, leaving the partition's previous rows in place.
        """
        import duckdb

        started = time.perf_counter()
        target = self.qualified(table)
        rows = frame.with_columns(pl.lit(day).alias(PARTITION_COLUMN))
        path = self._duckdb_path()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(path) as connection:
            connection.register("incoming_rows", rows.to_arrow())
            connection.execute("BEGIN TRANSACTION")
            try:
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(self.schema_name)}")
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {target} AS SELECT * FROM incoming_rows LIMIT 0"
                )
                replaced = connection.execute(
                    f"DELETE FROM {target} WHERE {PARTITION_COLUMN} = ?", [day]
                ).fetchone()[0]
                connection.execute(f"INSERT INTO {target} BY NAME SELECT * FROM incoming_rows")
                in_partition = connection.execute(
                    f"SELECT count(*) FROM {target} WHERE {PARTITION_COLUMN} = ?", [day]
                ).fetchone()[0]
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return LoadResult(
            table=f"{self.schema_name}.{table}",
            rows_loaded=frame.height,
            rows_replaced=int(replaced),
            rows_in_partition=int(in_partition),
            seconds=time.perf_counter() - started,
        )

    def partition_row_count(self, table: str, day: dt.date) -> int:
        """Rows of partition `day` in `table` (0 when the table does not exist yet)."""
        import duckdb

        with duckdb.connect(self._duckdb_path(), read_only=True) as connection:
            exists = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [self.schema_name, table],
            ).fetchone()[0]
            if not exists:
                return 0
            return int(
                connection.execute(
                    f"SELECT count(*) FROM {self.qualified(table)} WHERE {PARTITION_COLUMN} = ?", [day]
                ).fetchone()[0]
            )
