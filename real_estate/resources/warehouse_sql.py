"""SQL dialects of the warehouse backends: DuckDB (embedded), PostgreSQL and Redshift.

One load does, in one transaction: create the schema and table if missing (types from the
pandera model), add columns that appeared upstream, refuse removed or retyped columns, delete the
partition's rows, insert the new rows in bulk, and count them. The count is audited before the
commit: a partition that does not hold exactly the rows sent is rolled back, so BI never sees it.
A failure anywhere rolls back, so the partition's previous rows stay.
"""

import datetime as dt
import random
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class SchemaMismatchError(RuntimeError):
    """The warehouse table's columns differ from the data in a way a load must not paper over."""


class RowCountMismatchError(RuntimeError):
    """After the insert, the partition does not hold exactly the rows sent; the load was rolled back."""

    def __init__(self, table: str, day: dt.date, rows_sent: int, rows_in_partition: int) -> None:
        super().__init__(
            f"{table} [{day}]: the partition would hold {rows_in_partition} rows but {rows_sent} were "
            "loaded; the load was rolled back and the previous rows stay"
        )
        self.rows_sent = rows_sent
        self.rows_in_partition = rows_in_partition


class WarehouseLockedError(RuntimeError):
    """The embedded warehouse file stayed locked by another process for longer than the load waits."""


@dataclass(frozen=True)
class TableSpec:
    """A warehouse table: its schema, name and the polars type of every column, in order."""

    schema: str
    table: str
    columns: dict[str, pl.DataType]

    @property
    def qualified(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.table)}"


@dataclass(frozen=True)
class LoadResult:
    """What one partition load did."""

    table: str
    rows_loaded: int
    rows_replaced: int
    rows_in_partition: int
    columns_added: tuple[str, ...]
    seconds: float


class Dialect:
    """What differs between backends; the load itself is the same for all."""

    name: str
    placeholder = "%s"
    # polars type name -> (DDL type, type as information_schema reports it)
    types: dict[str, tuple[str, str]]

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        raise NotImplementedError

    def insert(self, cursor: Any, spec: TableSpec, frame: pl.DataFrame, day: dt.date) -> None:
        raise NotImplementedError

    def lock_table(self, cursor: Any, spec: TableSpec) -> None:
        """Serialize loads of one table until the transaction ends (two runs of one partition
        would otherwise both delete, then both insert). DuckDB has one writer per file and
        Redshift's serializable isolation aborts one of two conflicting loads, so only some
        dialects need it."""

    def column_type(self, dtype: pl.DataType) -> tuple[str, str]:
        key = "Datetime" if isinstance(dtype, pl.Datetime) else str(dtype.base_type())
        try:
            return self.types[key]
        except KeyError as error:
            raise SchemaMismatchError(f"no {self.name} column type for polars type {dtype}") from error

    def replace_partition(
        self, spec: TableSpec, day: dt.date, frame: pl.DataFrame, slice_by: Mapping[str, str] | None = None
    ) -> LoadResult:
        """Replace the rows of partition `day` in the table with `frame`, in one transaction.

        `slice_by` narrows what is replaced to the partition's rows with those column values (one
        scoring, say, by its model version): the partition's other rows stay, so the table keeps
        every slice ever loaded, and loading a slice again replaces only that slice.
        """
        started = time.perf_counter()
        p = self.placeholder
        where = " AND ".join(
            f"{quote_identifier(name)} = {p}" for name in (PARTITION_COLUMN, *(slice_by or {}))
        )
        values = (day, *(slice_by or {}).values())
        with self.transaction() as cursor:
            self.lock_table(cursor, spec)
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(spec.schema)}")
            added = self._create_or_evolve(cursor, spec)
            cursor.execute(f"DELETE FROM {spec.qualified} WHERE {where}", values)
            replaced = cursor.rowcount
            self.insert(cursor, spec, frame.select(list(spec.columns)), day)
            cursor.execute(f"SELECT count(*) FROM {spec.qualified} WHERE {where}", values)
            in_partition = int(cursor.fetchone()[0])
            if in_partition != frame.height:  # audit before publish: raising here rolls back
                raise RowCountMismatchError(f"{spec.schema}.{spec.table}", day, frame.height, in_partition)
        return LoadResult(
            table=f"{spec.schema}.{spec.table}",
            rows_loaded=frame.height,
            rows_replaced=max(int(replaced), 0),
            rows_in_partition=in_partition,
            columns_added=added,
            seconds=time.perf_counter() - started,
        )

    def _create_or_evolve(self, cursor: Any, spec: TableSpec) -> tuple[str, ...]:
        """Create the table, or add the columns that are new; fail on removed or retyped ones."""
        p = self.placeholder
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = {p} AND table_name = {p} ORDER BY ordinal_position",
            (spec.schema, spec.table),
        )
        existing = {name: data_type.lower() for name, data_type in cursor.fetchall()}
        wanted = {name: self.column_type(dtype) for name, dtype in spec.columns.items()}
        if not existing:
            columns = ", ".join(f"{quote_identifier(name)} {ddl}" for name, (ddl, _) in wanted.items())
            cursor.execute(f"CREATE TABLE {spec.qualified} ({columns})")
            return ()
        removed = sorted(set(existing) - set(wanted))
        retyped = sorted(
            f"{name} ({existing[name]} -> {reported})"
            for name, (_, reported) in wanted.items()
            if name in existing and existing[name] != reported.lower()
        )
        if removed or retyped:
            raise SchemaMismatchError(
                f"table {spec.schema}.{spec.table} no longer matches its data: "
                f"removed {removed or 'none'}, retyped {retyped or 'none'}. Migrate the table "
                "(or load into a new one); a load never drops or converts columns."
            )
        added = tuple(name for name in wanted if name not in existing)
        for name in added:
            cursor.execute(
                f"ALTER TABLE {spec.qualified} ADD COLUMN {quote_identifier(name)} {wanted[name][0]}"
            )
        return added


class DuckDbDialect(Dialect):
    """The embedded default: a DuckDB file any BI tool or the DuckDB CLI can open.

    DuckDB allows one process at a time to open the file for writing, and any other process with
    it open (even read-only) blocks the writer. A load waits for the file with backoff, up to
    `lock_timeout_seconds`, then fails naming the lock.
    """

    name = "duckdb"
    placeholder = "?"
    types = {
        "Int64": ("BIGINT", "BIGINT"),
        "Int32": ("INTEGER", "INTEGER"),
        "UInt32": ("BIGINT", "BIGINT"),
        "Float64": ("DOUBLE", "DOUBLE"),
        "String": ("VARCHAR", "VARCHAR"),
        "Date": ("DATE", "DATE"),
        "Datetime": ("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"),
    }

    def __init__(self, path: str, lock_timeout_seconds: float = 120.0) -> None:
        self.path = path
        self.lock_timeout_seconds = lock_timeout_seconds

    def connect(self) -> Any:
        """A connection to the file, waiting (with backoff and jitter) while another process holds it."""
        import duckdb

        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout_seconds
        delay = 0.1
        while True:
            try:
                return duckdb.connect(self.path)
            except (duckdb.IOException, duckdb.ConnectionException) as error:
                # Another process holds the file, or this one has it open read-only (a BI query, say).
                if not any(sign in str(error).lower() for sign in ("lock", "different configuration")):
                    raise
                if time.monotonic() + delay > deadline:
                    raise WarehouseLockedError(
                        f"the DuckDB warehouse {self.path} stayed locked by another process for "
                        f"{self.lock_timeout_seconds:g} s ({str(error).splitlines()[0][:300]}). Close "
                        "long-lived connections to it: BI tools should open it in short sessions with "
                        "read_only=True, or read a copy; then re-run the partition"
                    ) from error
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 5.0)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.connect() as connection:
            connection.execute("BEGIN TRANSACTION")
            try:
                yield _DuckDbCursor(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def insert(self, cursor: Any, spec: TableSpec, frame: pl.DataFrame, day: dt.date) -> None:
        cursor.connection.register("incoming_rows", frame.to_arrow())
        cursor.execute(f"INSERT INTO {spec.qualified} BY NAME SELECT * FROM incoming_rows")


class _DuckDbCursor:
    """DuckDB's connection behind the DB-API cursor calls the load uses (rowcount after DELETE)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.rowcount = -1
        self._result: list[tuple[Any, ...]] = []

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> None:
        result = self.connection.execute(sql, list(parameters))
        rows = result.fetchall() if result.description else []
        self._result = rows
        self.rowcount = rows[0][0] if sql.startswith("DELETE") and rows else -1

    def fetchone(self) -> tuple[Any, ...]:
        return self._result[0]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._result


class PostgresDialect(Dialect):
    """PostgreSQL, loaded in bulk with COPY."""

    name = "postgresql"
    types = {
        "Int64": ("BIGINT", "bigint"),
        "Int32": ("INTEGER", "integer"),
        "UInt32": ("BIGINT", "bigint"),
        "Float64": ("DOUBLE PRECISION", "double precision"),
        "String": ("TEXT", "text"),
        "Date": ("DATE", "date"),
        "Datetime": ("TIMESTAMPTZ", "timestamp with time zone"),
    }

    def __init__(self, url: str) -> None:
        self.url = url

    def lock_table(self, cursor: Any, spec: TableSpec) -> None:
        # A transaction-scoped advisory lock works before the table exists (first loads race too).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (spec.qualified,))

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=10) as connection, connection.cursor() as cursor:
            yield cursor

    def insert(self, cursor: Any, spec: TableSpec, frame: pl.DataFrame, day: dt.date) -> None:
        columns = ", ".join(quote_identifier(name) for name in frame.columns)
        with cursor.copy(f"COPY {spec.qualified} ({columns}) FROM STDIN (FORMAT CSV, HEADER true)") as copy:
            copy.write(frame.write_csv().encode())


REDSHIFT_ROLE = re.compile(r"^arn:aws:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
S3_STAGING = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.*()/-]*)?$")


def redshift_copy_statement(spec: TableSpec, staged_url: str, iam_role: str) -> str:
    """COPY of a staged Parquet file; the URL and role are validated, never taken from data."""
    if not S3_STAGING.match(staged_url):
        raise ConfigurationError(
            f"Redshift staging URL {staged_url!r}: expected s3://bucket/key of safe characters"
        )
    if not REDSHIFT_ROLE.match(iam_role):
        raise ConfigurationError(
            f"REAL_ESTATE_REDSHIFT_IAM_ROLE={iam_role!r}: expected arn:aws:iam::<account>:role/<name>"
        )
    columns = ", ".join(quote_identifier(name) for name in spec.columns)
    return f"COPY {spec.qualified} ({columns}) FROM '{staged_url}' IAM_ROLE '{iam_role}' FORMAT AS PARQUET"


class RedshiftDialect(Dialect):
    """Amazon Redshift: the partition is staged as Parquet on S3, then loaded with COPY."""

    name = "redshift"
    # PostgreSQL's types, but Redshift has no unbounded TEXT.
    types = PostgresDialect.types | {"String": ("VARCHAR(65535)", "character varying")}

    def __init__(self, url: str, staging_url: str, iam_role: str) -> None:
        self.url = url
        self.staging_url = staging_url.rstrip("/")
        self.iam_role = iam_role

    def staged_url(self, spec: TableSpec, day: dt.date) -> str:
        return f"{self.staging_url}/{spec.schema}/{spec.table}/{day.isoformat()}.parquet"

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        from urllib.parse import unquote, urlsplit

        import redshift_connector

        parts = urlsplit(self.url)
        connection = redshift_connector.connect(
            host=parts.hostname,
            port=parts.port or 5439,
            database=parts.path.lstrip("/"),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            timeout=60,
        )
        try:
            cursor = connection.cursor()
            yield cursor
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    def insert(self, cursor: Any, spec: TableSpec, frame: pl.DataFrame, day: dt.date) -> None:
        from real_estate.storage import as_upath, publish_atomically

        staged = self.staged_url(spec, day)
        publish_atomically(as_upath(staged), frame.write_parquet)
        cursor.execute(redshift_copy_statement(spec, staged, self.iam_role))
