"""Feature drift: a training-time profile of each feature and the population stability index (PSI)."""

import numpy as np
import polars as pl

PSI_WARN = 0.25
_EPSILON = 1e-4


def feature_profile(
    frame: pl.DataFrame, columns: list[str], bins: int = 10
) -> dict[str, dict[str, list[float]]]:
    """Per feature: inner quantile bin edges and the share of rows in each bin."""
    profile = {}
    for column in columns:
        values = frame.get_column(column).cast(pl.Float64).drop_nulls().to_numpy()
        edges = (
            np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])) if len(values) else np.array([])
        )
        profile[column] = {"edges": edges.tolist(), "shares": _shares(values, edges).tolist()}
    return profile


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts, _ = np.histogram(values, bins=np.concatenate(([-np.inf], edges, [np.inf])))
    return counts / max(len(values), 1)


def population_stability(profile: dict[str, dict[str, list[float]]], frame: pl.DataFrame) -> pl.DataFrame:
    """PSI of each profiled feature in `frame` against the profile, highest first."""
    rows = []
    for column, reference in profile.items():
        values = frame.get_column(column).cast(pl.Float64).drop_nulls().to_numpy()
        expected = np.clip(np.asarray(reference["shares"]), _EPSILON, None)
        actual = np.clip(_shares(values, np.asarray(reference["edges"])), _EPSILON, None)
        rows.append((column, float(np.sum((actual - expected) * np.log(actual / expected)))))
    return pl.DataFrame(rows, schema={"feature": pl.String, "psi": pl.Float64}, orient="row").sort(
        "psi", descending=True
    )
