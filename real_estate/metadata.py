"""Materialization metadata that the Dagster UI shows: row counts, column schema, a preview."""

import json
import warnings

import dagster as dg
import pandera.polars as pa
import polars as pl
from dagster_pandera import pandera_schema_to_dagster_type

from real_estate.text import bounded, markdown_escaped

PREVIEW_ROWS = 5
MAX_CELL = 60
MAX_COLUMNS = 40


def markdown_table(frame: pl.DataFrame, max_rows: int = PREVIEW_ROWS) -> str:
    """The first rows and columns of `frame` as a markdown table.

    Names and text come from data: each is cut to `MAX_CELL` characters and escaped, so it shows as
    typed and cannot break the table or make a live link. Numbers and dates show as polars prints them.
    """
    shown = frame.head(max_rows)
    hidden = max(0, shown.width - MAX_COLUMNS)
    headers: dict[str, str] = {}
    for name in shown.columns[:MAX_COLUMNS]:
        header = markdown_escaped(bounded(name, MAX_CELL))
        headers[name] = header if header not in headers.values() else f"{header} ({len(headers) + 1})"
    cells = shown.select(_cell(name, shown.schema[name]).alias(header) for name, header in headers.items())
    with pl.Config(
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_rows=max_rows,
        tbl_cols=-1,
        tbl_width_chars=60_000,
        fmt_str_lengths=4 * MAX_CELL,  # cut and escaped already
    ):
        table = str(cells)
    return table + (f"\n\n… and {hidden} more columns" if hidden else "")


def _cell(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column as shown: text cut and escaped (nested values as their JSON), anything else as is."""
    column = pl.col(name)
    if dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean or dtype == pl.Null:
        return column
    if dtype.is_nested():
        text = column.map_elements(_as_json, return_dtype=pl.String)
    else:
        text = column.cast(pl.String)
    return text.map_elements(lambda value: markdown_escaped(bounded(value, MAX_CELL)), return_dtype=pl.String)


def _as_json(value: object) -> str:
    """A list (given as a Series) or a struct (a dict) as JSON text."""
    return json.dumps(value.to_list() if isinstance(value, pl.Series) else value, default=str)


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
