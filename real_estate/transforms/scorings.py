"""Scorings: one model version's predictions for one day's houses, named by what they said."""

import hashlib

import polars as pl

SCORING_COLUMN = "scoring"


SCORED_AT = "predicted_at"


def scoring_id(predictions: pl.DataFrame) -> str:
    """The same model version on the same houses (every column but the scoring time) gives the
    same id; any other model, house or price, another one."""
    said = predictions.drop(SCORED_AT, SCORING_COLUMN, strict=False).sort("id").write_csv()
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def with_scoring_id(predictions: pl.DataFrame) -> pl.DataFrame:
    """The predictions with their scoring's id on every row."""
    return predictions.with_columns(pl.lit(scoring_id(predictions)).alias(SCORING_COLUMN))
