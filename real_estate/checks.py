"""Blocking asset checks built from the pandera models and from row comparisons between layers.

Checks run inside the asset before anything is published (write-audit-publish): an output whose
blocking check fails is never handed to the IO manager, so the partition's previous version
stays, the step fails with a message naming the asset, partition and rules, and downstream
assets of that partition are not materialized. One factory serves every asset.
"""

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg
import pandera.backends.polars.builtin_checks  # noqa: F401 (registers pandera's polars checks)
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from real_estate.metadata import frame_metadata, markdown_table
from real_estate.resources.lake import SelfWriting, StoredPartition
from real_estate.text import bounded

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


def _schema_with(
    model: type[pa.DataFrameModel], column_checks: Mapping[str, Sequence[pa.Check]]
) -> pa.DataFrameSchema:
    """The model's schema with run-time checks (e.g. on the partition's day) added to columns."""
    schema = model.to_schema()
    for name, checks in column_checks.items():
        schema = schema.update_column(name, checks=[*schema.columns[name].checks, *checks])
    return schema


class _ExpressionOf:
    """Stands in for the frame in pandera's built-in polars checks: each builds one expression and
    selects it from the frame, so here `select` hands back the expression itself."""

    def select(self, expression: pl.Expr) -> pl.Expr:
        return expression


def _broken_by(column: str, check: pa.Check) -> pl.Expr:
    """Rows of `column` breaking `check`: pandera's own expression, with its rule for nulls."""
    passes = check._check_fn(PolarsData(_ExpressionOf(), column), **check._check_kwargs)
    return (~passes).fill_null(False) if check.ignore_na else ~passes.fill_null(False)


def rule_failures(
    schema: pa.DataFrameSchema, dtypes: pl.Schema, proven: Collection[str] = ()
) -> list[pl.Expr]:
    """One expression per rule of `schema` (nulls, uniqueness, column checks): rows breaking it.
    Columns in `proven` are left out: their rows were shown upstream to meet the rules."""
    failures = []
    for name, column in schema.columns.items():
        if name in proven:
            continue
        values = pl.col(name)
        if not column.nullable:
            missing = values.is_null() | values.is_nan() if dtypes[name].is_float() else values.is_null()
            failures.append(missing.sum())
        if column.unique:
            failures.append(pl.len() - values.n_unique())
        failures += [_broken_by(name, check).sum() for check in column.checks]
    return [failure.alias(f"rule_{number}") for number, failure in enumerate(failures)]


def audit_counts(
    frame: pl.LazyFrame,
    model: type[pa.DataFrameModel],
    column_checks: Mapping[str, Sequence[pa.Check]] | None = None,
    proven: Collection[str] = (),
) -> pl.LazyFrame:
    """The audit's pass as a query: rows, and rows breaking each rule of the model. Collected with
    the query that writes `frame`, it audits the rows as they are written, in the same pass."""
    return _counts(frame, _schema_with(model, column_checks or {}), proven)


def _counts(frame: pl.LazyFrame, schema: pa.DataFrameSchema, proven: Collection[str]) -> pl.LazyFrame:
    """Rows of `frame` and, per rule of `schema` on a column not `proven`, the rows breaking it."""
    return frame.select(pl.len(), *rule_failures(schema, frame.collect_schema(), proven))


def _audit(
    frame: pl.LazyFrame, schema: pa.DataFrameSchema, proven: Collection[str], counts: pl.DataFrame | None
) -> tuple[int, bool]:
    """Rows of `frame` and whether it meets `schema`: columns and types from its schema, the row
    rules of every column not `proven` counted in one lazy pass (or already counted: `counts`)."""
    try:
        schema.validate(frame, lazy=True)  # a lazy frame: columns and types only, no data read
    except pa.errors.SchemaErrors:
        return frame.select(pl.len()).collect().item(), False
    if counts is None:
        counts = _counts(frame, schema, proven).collect(engine="streaming")
    rows, *broken = counts.row(0)
    return rows, not any(broken)


def evaluate_schema(
    frame: pl.DataFrame | pl.LazyFrame,
    model: type[pa.DataFrameModel],
    asset_key: dg.AssetKey,
    partition_key: str | None,
    column_checks: Mapping[str, Sequence[pa.Check]] | None = None,
    proven: Collection[str] = (),
    counts: pl.DataFrame | None = None,
) -> dg.AssetCheckResult:
    """Audit `frame` against the model in one lazy pass; when it fails, pandera's full account of
    every failure (validated lazily, all at once, `proven` columns included) as check metadata.

    `proven` names columns whose values come unchanged, row for row, from an audited layer (e.g.
    gold's silver columns once its ids are silver's): the pass does not check them again.
    `counts` is that pass already made while `frame` was written (`audit_counts`).
    """
    schema = _schema_with(model, column_checks or {})
    rows, passed = _audit(frame.lazy(), schema, proven, counts)
    metadata: dict[str, object] = {"partition": partition_key or "(unpartitioned)", "rows_checked": rows}
    if counts is not None and (written := frame.lazy().select(pl.len()).collect().item()) != rows:
        return dg.AssetCheckResult(
            check_name=SCHEMA_CHECK,
            asset_key=asset_key,
            passed=False,
            metadata=metadata | {"rows_written": written},
            description=f"partition {partition_key}: {rows} rows were audited as they were written, "
            f"but {written} were written",
        )
    if passed:
        return _schema_passed(asset_key, metadata)
    return _schema_report(frame.lazy().collect(), schema, model, asset_key, partition_key, metadata)


def _schema_passed(asset_key: dg.AssetKey, metadata: dict[str, object]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=SCHEMA_CHECK,
        asset_key=asset_key,
        passed=True,
        metadata=metadata | {"failed_rows": 0},
        description=f"partition {metadata['partition']}: all {metadata['rows_checked']} rows meet the schema",
    )


def _schema_report(
    frame: pl.DataFrame,
    schema: pa.DataFrameSchema,
    model: type[pa.DataFrameModel],
    asset_key: dg.AssetKey,
    partition_key: str | None,
    metadata: dict[str, object],
) -> dg.AssetCheckResult:
    """Pandera's validation of a failing frame: rules broken, rows at fault and a sample of them."""
    try:
        schema.validate(frame, lazy=True)
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
        rules = "; ".join(
            f"{column}: {check} x{failures} (e.g. {bounded(examples)})"
            for column, check, failures, examples in by_rule.head(8).iter_rows()
        )
        return dg.AssetCheckResult(
            check_name=SCHEMA_CHECK,
            asset_key=asset_key,
            passed=False,
            metadata=metadata
            | {
                "failed_rows": len(failing_index),
                "failed_rules": dg.MetadataValue.md(markdown_table(by_rule, max_rows=50)),
                "failing_rows_sample": dg.MetadataValue.md(markdown_table(sample, max_rows=SAMPLE_ROWS)),
            },
            description=(
                f"partition {partition_key} breaks {model.__name__} "
                f"({len(failing_index)} rows at fault): {rules}"
            ),
        )
    return _schema_passed(asset_key, metadata)


def rows_check(
    name: str,
    asset_key: dg.AssetKey,
    partition_key: str | None,
    failing_rows: pl.DataFrame,
    problem: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    metadata: Mapping[str, object] | None = None,
) -> dg.AssetCheckResult:
    """A check that passes when `failing_rows` is empty; `problem` says what each such row means."""
    passed = failing_rows.is_empty()
    result_metadata: dict[str, object] = {
        "partition": partition_key or "(unpartitioned)",
        "failed_rows": failing_rows.height,
        **(metadata or {}),
    }
    if not passed:
        result_metadata["failing_rows_sample"] = dg.MetadataValue.md(
            markdown_table(failing_rows, max_rows=SAMPLE_ROWS)
        )
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset_key,
        passed=passed,
        severity=severity,
        metadata=result_metadata,
        description=f"partition {partition_key}: {failing_rows.height} {problem}",
    )


def mismatched_ids(
    before: pl.DataFrame | pl.LazyFrame, after: pl.DataFrame | pl.LazyFrame, names: tuple[str, str]
) -> pl.DataFrame:
    """Ids not exactly once in each of two layers, with how often each layer (named) has them."""
    counts = [
        frame.lazy().group_by("id").agg(pl.len().alias(name))
        for frame, name in zip((before, after), names, strict=True)
    ]
    return (
        counts[0]
        .join(counts[1], on="id", how="full", coalesce=True)
        .fill_null(0)
        .filter((pl.col(names[0]) != 1) | (pl.col(names[1]) != 1))
        .sort("id")
        .collect()
    )


def same_ids(before: pl.LazyFrame, after: pl.LazyFrame) -> bool:
    """Whether two layers hold the same ids as often: row counts and an order-free sum of id hashes,
    one pass over each id column (a mismatch is then listed by `mismatched_ids`)."""
    fingerprints = pl.collect_all(
        [frame.select(rows=pl.len(), ids=pl.col("id").hash().sum()) for frame in (before, after)]
    )
    return fingerprints[0].equals(fingerprints[1])


def count_check(
    name: str,
    asset_key: dg.AssetKey,
    partition_key: str | None,
    expected: tuple[str, int],
    actual: tuple[str, int],
) -> dg.AssetCheckResult:
    """A check that two row counts, each with what it counts, are equal."""
    (expected_label, expected_rows), (actual_label, actual_rows) = expected, actual
    passed = expected_rows == actual_rows
    mismatch = f"{expected_rows} {expected_label} but {actual_rows} {actual_label}"
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=asset_key,
        passed=passed,
        metadata={
            "partition": partition_key or "(unpartitioned)",
            expected_label: expected_rows,
            actual_label: actual_rows,
        },
        description=f"partition {partition_key}: "
        + (f"{expected_rows} {expected_label}, as many {actual_label}" if passed else mismatch),
    )


@dataclass
class CheckedOutput:
    """A frame on its way to the lake, with the model it must satisfy and any further checks."""

    asset_key: dg.AssetKey
    frame: pl.DataFrame | SelfWriting | StoredPartition
    model: type[pa.DataFrameModel]
    output_name: str = "result"
    metadata: dict[str, object] = field(default_factory=dict)
    column_checks: dict[str, list[pa.Check]] = field(default_factory=dict)
    checks: list[dg.AssetCheckResult] = field(default_factory=list)
    # Dagster's data version of the output, when the asset knows one (e.g. the source file's hash).
    data_version: dg.DataVersion | None = None
    proven_columns: tuple[str, ...] = ()
    # The audit's counts when the write made them (`audit_counts`), so the pass is not made again.
    audit_counts: pl.DataFrame | None = None


def _blocks(result: dg.AssetCheckResult) -> bool:
    return not result.passed and result.severity == dg.AssetCheckSeverity.ERROR


def publish_checked(
    context: dg.AssetExecutionContext, outputs: Sequence[CheckedOutput]
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Validate every output, publish those whose checks pass, then fail if any was held back."""
    partition_key = context.partition_key if context.has_partition_key else None
    results: list[dg.AssetCheckResult] = []
    held_back: list[str] = []
    for output in outputs:
        schema_result = evaluate_schema(
            output.frame.lazy(),
            output.model,
            output.asset_key,
            partition_key,
            output.column_checks,
            output.proven_columns,
            output.audit_counts,
        )
        output_results = [schema_result, *output.checks]
        results.extend(output_results)
        blocking = [result for result in output_results if _blocks(result)]
        if blocking:
            held_back.extend(
                f"{output.asset_key.to_user_string()} [{result.check_name}]: {result.description}"
                for result in blocking
            )
            continue
        yield dg.Output(
            output.frame,
            output_name=output.output_name,
            metadata=frame_metadata(output.frame.lazy()) | output.metadata,
            data_version=output.data_version,
        )
    yield from results
    if held_back:
        raise dg.Failure(
            description=f"Not written for partition {partition_key}: " + " | ".join(held_back),
            metadata={"partition": partition_key or "(unpartitioned)"},
            allow_retries=False,
        )
