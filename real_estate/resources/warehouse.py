"""The reporting warehouse: silver partitions loaded un-aggregated, one partition replaced per load.

The backend follows `REAL_ESTATE_WAREHOUSE_URL`: `duckdb:///path` (embedded, the default),
`postgresql://...` (bulk COPY) or `redshift://...` (Parquet staged on S3, then COPY).
"""

import datetime as dt
from collections.abc import Mapping

import dagster as dg
import pandera.polars as pa
import polars as pl

from real_estate.deployment import ConfigurationError, warehouse_kind
from real_estate.resources.warehouse_sql import (
    PARTITION_COLUMN,
    Dialect,
    DuckDbDialect,
    LoadResult,
    PostgresDialect,
    RedshiftDialect,
    TableSpec,
    quote_identifier,
)

LIST_SEPARATOR = "; "


def table_spec(
    schema: str, table: str, model: type[pa.DataFrameModel], extra: Mapping[str, pl.DataType] | None = None
) -> TableSpec:
    """The warehouse table for a pandera model: its columns (lists as text), any `extra` columns the
    load adds, and `partition_date`."""
    columns: dict[str, pl.DataType] = {}
    for name, column in model.to_schema().columns.items():
        dtype = column.dtype.type
        columns[name] = pl.String() if isinstance(dtype, pl.List) else dtype
    columns.update(extra or {})
    columns[PARTITION_COLUMN] = pl.Date()
    return TableSpec(schema, table, columns)


def warehouse_rows(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The rows as loaded: list columns joined into text (BI tools read text), and the partition."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(
        *(pl.col(name).list.join(LIST_SEPARATOR) for name in lists),
        pl.lit(day).alias(PARTITION_COLUMN),
    )


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse named by `REAL_ESTATE_WAREHOUSE_URL` and the schema its tables live in."""

    url: str
    schema_name: str = "real_estate"
    redshift_staging_url: str | None = None
    redshift_iam_role: str | None = None
    lock_timeout_seconds: float = 120.0

    @property
    def kind(self) -> str:
        """The backend: duckdb, postgresql or redshift."""
        return warehouse_kind(self.url)

    def dialect(self) -> Dialect:
        """The backend for the URL; a clear error naming the variable when it is not one we load."""
        kind = self.kind
        if kind == "duckdb":
            # duckdb:///relative/path and duckdb:////absolute/path, as SQLAlchemy reads them.
            return DuckDbDialect(self.url.removeprefix("duckdb:///"), self.lock_timeout_seconds)
        if kind == "redshift":
            if not self.redshift_iam_role or not (self.redshift_staging_url or "").startswith("s3://"):
                raise ConfigurationError(
                    "A redshift:// warehouse needs REAL_ESTATE_REDSHIFT_IAM_ROLE and a datalake on S3 "
                    "(REAL_ESTATE_LAKE_URL=s3://...) to stage partitions for COPY"
                )
            return RedshiftDialect(self.url, self.redshift_staging_url, self.redshift_iam_role)
        return PostgresDialect(self.url)

    def replace_partition(
        self,
        table: str,
        model: type[pa.DataFrameModel],
        day: dt.date,
        frame: pl.DataFrame,
        slice_by: tuple[str, ...] = (),
    ) -> LoadResult:
        """Replace partition `day` of `table` with `frame`, in one transaction audited before commit.

        With `slice_by` (columns holding one value each in `frame`, added to the table when the
        model has no such column), only the partition's rows with those values are replaced: an
        append-only history, idempotent per slice.
        """
        quote_identifier(self.schema_name)
        modelled = model.to_schema().columns
        extra = {name: frame.schema[name] for name in slice_by if name not in modelled}
        spec = table_spec(self.schema_name, table, model, extra)
        return self.dialect().replace_partition(
            spec, day, warehouse_rows(frame, day), slice_values(frame, slice_by)
        )


def slice_values(frame: pl.DataFrame, columns: tuple[str, ...]) -> dict[str, str]:
    """The one value each of `columns` holds in `frame` (a slice of a partition, e.g. one scoring)."""
    values = {}
    for name in columns:
        distinct = frame.get_column(name).unique()
        if distinct.len() != 1:
            raise ValueError(f"a slice's {name} must hold one value, not {distinct.len()}")
        values[name] = distinct.item()
    return values
