"""The data contracts are written once, and everything that states a rule agrees with them."""

import ast
import datetime as dt
import re
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from real_estate.contracts.house_sales import DROP_COLUMNS, HOUSE_SALES, ROW_RULES, RowRule, header_fault
from real_estate.contracts.park_features import KINDS
from real_estate.contracts.rules import (
    AtLeast,
    Between,
    Matches,
    OnDay,
    OneOf,
    Positive,
    Present,
    YearUpToSale,
)
from real_estate.sample.house_sales import generate_house_sales
from real_estate.schemas.bronze import HouseSalesBronze
from real_estate.schemas.silver import HouseSalesSilver, day_checks
from real_estate.transforms.house_sales import split_house_sales, type_house_sales, with_source_line
from real_estate.transforms.training import FEATURE_COLUMNS

DAY = dt.date(2026, 3, 1)
PACKAGE = Path(__file__).parents[1] / "real_estate"
BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def breaking_value(row_rule: RowRule, valid: str) -> str | None:
    """A drop string for the rule's column that breaks the rule (and only it)."""
    match row_rule.rule:
        case Present():
            return None  # an empty field
        case Between(high=high):
            return str(int(high) + 1) if float(high).is_integer() else str(high + 0.5)
        case YearUpToSale():
            return str(row_rule.rule.last(DAY) + 1)
        case AtLeast(low=low):
            return str(int(low) - 1)
        case Positive():
            return "0"
        case OneOf(values=values):
            return str(max(values) + 1)
        case Matches():
            return "98999"
        case OnDay():
            return (DAY - dt.timedelta(days=1)).strftime("%Y%m%dT000000")
    raise AssertionError(f"no breaking value for {row_rule!r}: {valid}")


def silver_schema_accepts(typed: pl.DataFrame) -> bool:
    schema = HouseSalesSilver.to_schema()
    for name, checks in day_checks(DAY).items():
        schema = schema.update_column(name, checks=[*schema.columns[name].checks, *checks])
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors:
        return False
    return True


def typed(drop: pl.DataFrame) -> pl.DataFrame:
    return type_house_sales(with_source_line(drop.lazy())).drop("source_line", "raw").collect()


def test_a_valid_row_passes_the_quarantine_and_the_silver_schema() -> None:
    drop = generate_house_sales(DAY, rows=1)
    valid, rejected = (frame.collect() for frame in split_house_sales(drop.lazy(), DAY))

    assert (valid.height, rejected.height) == (1, 0)
    assert silver_schema_accepts(typed(drop))


@pytest.mark.parametrize("row_rule", ROW_RULES, ids=lambda rule: rule.reason(DAY))
def test_a_row_breaking_a_rule_is_quarantined_with_its_reason_and_refused_by_the_schema(
    row_rule: RowRule,
) -> None:
    """Quarantine and schema state the same rule: a row the quarantine lets through never fails
    the schema check afterwards (which would hold back the whole partition)."""
    drop = generate_house_sales(DAY, rows=1)
    column = row_rule.column.name
    broken = drop.with_columns(pl.lit(breaking_value(row_rule, drop[column].item()), pl.String).alias(column))

    valid, rejected = (frame.collect() for frame in split_house_sales(broken.lazy(), DAY))

    assert valid.height == 0
    assert rejected["reject_reason"].item() == row_rule.reason(DAY)
    assert not silver_schema_accepts(typed(broken))


EDGE_VALUES = [
    ("price", "nan", "price is not a finite number"),
    ("price", "-inf", "price is not a finite number"),
    ("price", "1e400", "price is not a finite number"),
    ("price", "1e3", None),
    ("price", " 1,250,000 ", None),
    ("price", " ", "price is not a finite number"),
    ("bedrooms", "3.5", "bedrooms is not a whole number"),
    ("bedrooms", "3.0", None),
    ("bedrooms", "-0", None),
    ("bedrooms", "inf", "bedrooms is not a whole number"),
    ("grade", "13.4", "grade is not a whole number"),
    ("yr_built", "2027.9", "yr_built is not a whole number"),
    ("sqft_lot", "1e30", "sqft_lot is not a whole number"),
    ("sqft_above", "nan", "sqft_above is not a whole number"),
    ("lat", "nan", "lat is not a finite number"),
    ("id", "99999999999999999999", "id is not a whole number"),
    ("id", " 12 ", None),
    ("date", " 20260301T000000 ", None),
    ("date", "2026-03-01", "date is not a date like 20141013T000000"),
    ("zipcode", " 98001 ", None),
    ("zipcode", "98 001", "zipcode is not a King County zip code (98001-98199)"),
    ("zipcode", "98000", "zipcode is not a King County zip code (98001-98199)"),
    ("zipcode", "98199", None),
    ("zipcode", "98200", "zipcode is not a King County zip code (98001-98199)"),
]


@pytest.mark.parametrize(("column", "value", "reason"), EDGE_VALUES)
def test_edge_values_get_one_reason_and_the_quarantine_agrees_with_the_schema(
    column: str, value: str, reason: str | None
) -> None:
    """A value is either quarantined with the one reason that names its fault, or meets the schema."""
    drop = generate_house_sales(DAY, rows=1).with_columns(pl.lit(value).alias(column))

    valid, rejected = (frame.collect() for frame in split_house_sales(drop.lazy(), DAY))

    if reason is None:
        assert valid.height == 1 and silver_schema_accepts(valid)
    else:
        assert valid.height == 0 and rejected["reject_reason"].item() == reason
        assert not silver_schema_accepts(typed(drop))


def test_schemas_and_features_follow_the_contract() -> None:
    assert tuple(HouseSalesBronze.to_schema().columns) == DROP_COLUMNS
    assert tuple(HouseSalesSilver.to_schema().columns) == tuple(column.typed_name for column in HOUSE_SALES)
    assert set(FEATURE_COLUMNS) >= {"bedrooms", "zipcode", "num_parks", "features_other"}
    assert not {"id", "sale_date", "price"} & set(FEATURE_COLUMNS)


def test_header_faults_name_missing_and_unexpected_columns() -> None:
    assert header_fault(DROP_COLUMNS) is None
    fault = header_fault([*DROP_COLUMNS[1:], "extra"])
    assert fault is not None and "lacks columns [id]" in fault and "unexpected columns [extra]" in fault


def _names_in(path: Path) -> set[str]:
    """Column names a module spells: string literals, keyword arguments (`select(price=...)`) and
    annotated class fields (a pandera model's columns)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


# Modules allowed to name the columns: the contracts, and the sample generator's values.
CONTRACT_OWNERS = {
    PACKAGE / "contracts" / "house_sales.py",
    PACKAGE / "contracts" / "park_features.py",
    PACKAGE / "sample" / "house_sales.py",
}


@pytest.mark.parametrize(
    ("names", "limit"),
    [(set(DROP_COLUMNS), 4), ({f"features_{kind}" for kind in KINDS} | set(KINDS), 1)],
    ids=["house-sales columns", "park feature kinds"],
)
def test_no_module_repeats_a_contract_list(names: set[str], limit: int) -> None:
    """A search for the contract's names finds its definition, not copies of it."""
    modules = [*PACKAGE.rglob("*.py"), *BENCHMARKS.rglob("*.py")]
    repeating = {
        str(path.relative_to(PACKAGE.parent)): sorted(found)
        for path in modules
        if path not in CONTRACT_OWNERS and len(found := names & _names_in(path)) > limit
    }
    assert not repeating


# Names that do not occur in prose: a module naming several of them is listing the columns,
# however it spells the list (a string to split, SQL, a schema dict).
DISTINCTIVE_COLUMNS = {
    name for name in DROP_COLUMNS if "_" in name or name in {"bedrooms", "bathrooms", "waterfront", "zipcode"}
}


def _rule_constants() -> set[str]:
    """The contract's constants that would betray a copied rule: fractional bounds (coordinates), the
    first year built, and the patterns. (Round bounds such as 33 or 50_000 occur for other reasons.)"""
    constants = set()
    for row_rule in ROW_RULES:
        match row_rule.rule:
            case Between(low=low, high=high):
                constants |= {f"{abs(bound):g}" for bound in (low, high) if not float(bound).is_integer()}
            case YearUpToSale(first=first):
                constants.add(str(first))
            case Matches(pattern=pattern):
                constants.add(pattern)
    return constants


def _modules() -> list[Path]:
    return [
        path
        for path in [*PACKAGE.rglob("*.py"), *BENCHMARKS.rglob("*.py")]
        if path not in CONTRACT_OWNERS and "sample" not in path.parts
    ]


def test_no_module_lists_the_columns_in_any_spelling() -> None:
    listing = {}
    for path in _modules():
        found = {name for name in DISTINCTIVE_COLUMNS if re.search(rf"\b{name}\b", path.read_text())}
        if len(found) > 3:
            listing[str(path.relative_to(PACKAGE.parent))] = sorted(found)
    assert not listing


def test_no_module_repeats_a_rule_bound_or_pattern() -> None:
    constants = _rule_constants()
    assert {"47.1", "122.6", "1850"} <= constants
    repeating = {}
    for path in _modules():
        text = path.read_text()
        found = {
            constant
            for constant in constants
            if re.search(rf"(?<![\w.]){re.escape(constant)}(?![\w.])", text)
        }
        if found:
            repeating[str(path.relative_to(PACKAGE.parent))] = sorted(found)
    assert not repeating
