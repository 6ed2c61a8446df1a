"""Materialization metadata that the Dagster UI shows: row counts, column schema, a preview."""

import dagster as dg
import pandera.polars as pa
import polars as pl

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
    """The column schema of a pandera model, with its rules as column constraints."""
    columns = []
    for name, column in model.to_schema().columns.items():
        rules = [check.error or check.name for check in column.checks]
        columns.append(
            dg.TableColumn(
                name=name,
                type=str(column.dtype),
                description=column.description,
                constraints=dg.TableColumnConstraints(
                    nullable=column.nullable, unique=column.unique, other=rules
                ),
            )
        )
    return dg.TableSchema(columns=columns)


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
