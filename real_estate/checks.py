"""Blocking asset checks built from the pandera models: one factory, no per-asset copies.

Checks run inside the asset before anything is written (write-audit-publish): an output whose
check fails is never handed to the IO manager, so the partition's previous version stays, the
step fails with a message naming the asset, partition and rules, and downstream assets of that
partition are not materialized.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import dagster as dg
import pandera.polars as pa
import polars as pl

from real_estate.metadata import frame_metadata, markdown_table

SCHEMA_CHECK = "schema"
SAMPLE_ROWS = 10


def schema_check_spec(asset_key: dg.AssetKey, model: type[pa.DataFrameModel]) -> dg.AssetCheckSpec:
    """The blocking check that an asset's rows satisfy its pandera model."""
    return dg.AssetCheckSpec(
        name=SCHEMA_CHECK,
        asset=asset_key,
        blocking=True,
        description=f"Every row satisfies the {model.__name__} schema (types, ranges, uniqueness).",
    )


def evaluate_schema(
    frame: pl.DataFrame,
    model: type[pa.DataFrameModel],
    asset_key: dg.AssetKey,
    partition_key: str | None,
) -> dg.AssetCheckResult:
    """Validate `frame` lazily (all failures at once) and describe the outcome as check metadata."""
    metadata: dict[str, object] = {
        "partition": partition_key or "(unpartitioned)",
        "rows_checked": frame.height,
    }
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        failing_index = cases.get_column("index").drop_nulls().unique().sort()
        by_rule = (
            cases.group_by("column", "check")
            .agg(failures=pl.len(), examples=pl.col("failure_case").unique(maintain_order=True).head(3))
            .with_columns(pl.col("examples").list.join(", "))
            .sort("failures", "column", descending=[True, False])
        )
        sample = frame.with_row_index("row").filter(pl.col("row").is_in(failing_index.implode()))
        metadata |= {
            "failed_rows": len(failing_index),
            "failed_rules": dg.MetadataValue.md(markdown_table(by_rule, max_rows=50)),
            "failing_rows_sample": dg.MetadataValue.md(markdown_table(sample, max_rows=SAMPLE_ROWS)),
        }
        return dg.AssetCheckResult(
            check_name=SCHEMA_CHECK,
            asset_key=asset_key,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=_summary(model, partition_key, by_rule, len(failing_index)),
        )
    metadata["failed_rows"] = 0
    return dg.AssetCheckResult(check_name=SCHEMA_CHECK, asset_key=asset_key, passed=True, metadata=metadata)


def _summary(
    model: type[pa.DataFrameModel], partition_key: str | None, by_rule: pl.DataFrame, rows: int
) -> str:
    rules = "; ".join(
        f"{column}: {check} x{failures} (e.g. {examples})"
        for column, check, failures, examples in by_rule.head(8).iter_rows()
    )
    return f"partition {partition_key} breaks {model.__name__} ({rows} rows at fault): {rules}"


@dataclass
class CheckedOutput:
    """A frame on its way to the lake, with the model it must satisfy."""

    asset_key: dg.AssetKey
    frame: pl.DataFrame
    model: type[pa.DataFrameModel]
    output_name: str = "result"
    metadata: dict[str, object] = field(default_factory=dict)


def publish_checked(
    context: dg.AssetExecutionContext, outputs: Sequence[CheckedOutput]
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Validate every output first; publish all of them only if all pass, else write nothing and fail."""
    partition_key = context.partition_key if context.has_partition_key else None
    results = [evaluate_schema(o.frame, o.model, o.asset_key, partition_key) for o in outputs]
    failed = [result for result in results if not result.passed]
    if not failed:
        for output in outputs:
            yield dg.Output(
                output.frame,
                output_name=output.output_name,
                metadata=frame_metadata(output.frame) | output.metadata,
            )
    yield from results
    if failed:
        described = "; ".join(
            f"{result.asset_key.to_user_string()}: {result.description}" for result in failed
        )
        raise dg.Failure(
            description=f"Nothing was written for partition {partition_key}. {described}",
            metadata={"partition": partition_key or "(unpartitioned)"},
            allow_retries=False,
        )
