"""Materialization metadata that the Dagster UI shows: row counts, column schema, a preview."""

import warnings

import dagster as dg
import pandera.polars as pa
import polars as pl
from dagster_pandera import pandera_schema_to_dagster_type

PREVIEW_ROWS = 5


def markdown_table(frame: pl.DataFrame, max_rows: int = PREVIEW_ROWS) -> str:
    """The first rows of `frame` as a markdown table."""
    with pl.Config(
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_rows=max_rows,
        tbl_cols=-1,
        tbl_width_chars=60_000,
        fmt_str_lengths=60,
        fmt_table_cell_list_len=4,
    ):
        return str(frame.head(max_rows))


def model_table_schema(model: type[pa.DataFrameModel]) -> dg.TableSchema:
    """The column schema of a pandera model, with its rules as column constraints (dagster-pandera's)."""
    with warnings.catch_warnings():  # a beta API of Dagster's: it works, and says so on every load
        warnings.simplefilter("ignore", dg.BetaWarning)
        dagster_type = pandera_schema_to_dagster_type(model)
    return dagster_type.metadata["schema"].schema


def model_metadata(model: type[pa.DataFrameModel]) -> dict[str, object]:
    """Definition metadata: the column contract the UI shows before anything is materialized."""
    return {
        "dagster/column_schema": dg.MetadataValue.table_schema(model_table_schema(model)),
        "pandera_model": model.__name__,
    }


def frame_metadata(frame: pl.DataFrame | pl.LazyFrame) -> dict[str, dg.MetadataValue]:
    """Row count, the actual column schema and a markdown preview of a frame (for a Parquet scan,
    read from its footer and first rows)."""
    rows = frame.lazy()
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, str(dtype)) for name, dtype in rows.collect_schema().items()]
    )
    return {
        "dagster/row_count": dg.MetadataValue.int(rows.select(pl.len()).collect().item()),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "preview": dg.MetadataValue.md(markdown_table(rows.head(PREVIEW_ROWS).collect())),
    }
