"""The model's training data: the window of gold days up to `as_of`, read file by file with hashes."""

import datetime as dt
from dataclasses import dataclass

import dagster as dg
import polars as pl

from real_estate.assets.gold import HOUSES_WITH_PARKS_KEY
from real_estate.resources.lake import PolarsParquetIOManager


@dataclass(frozen=True)
class TrainingData:
    """The gold days a version trains on, and the SHA-256 of each day's file as it was read."""

    as_of: dt.date
    window_days: int
    versions: dict[str, str]
    feature_sets: pl.DataFrame

    @property
    def window(self) -> str:
        return f"{min(self.versions)}..{max(self.versions)}"

    def tags(self) -> dict[str, str]:
        """What MLflow keeps to trace a version to its data (and reproduce it with `as_of`)."""
        return {
            "as_of": self.as_of.isoformat(),
            "window_days": str(self.window_days),
            "training_window": self.window,
            "training_days": ",".join(self.versions),
            "training_rows": str(self.feature_sets.height),
            "gold_versions": ",".join(f"{day}:{sha[:16]}" for day, sha in self.versions.items()),
        }


def window_days(as_of: dt.date, days: int) -> list[str]:
    """The `days` days up to and including `as_of`, oldest first."""
    return [(as_of - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def resolve_as_of(as_of: str | None, stored: list[str]) -> dt.date:
    """The configured day, or the latest day whose gold exists."""
    if as_of is None:
        if not stored:
            raise dg.Failure(
                description=(
                    "ml/price_model: gold/houses_with_parks has no partitions yet. "
                    "Materialize those partitions first (a backfill)."
                ),
                allow_retries=False,
            )
        return dt.date.fromisoformat(stored[-1])
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise dg.Failure(
            description=f"ml/price_model: as_of={as_of!r} is not a day; expected YYYY-MM-DD",
            allow_retries=False,
        ) from None


def read_training_data(lake: PolarsParquetIOManager, as_of: str | None, days: int) -> TrainingData:
    """Read only the window's gold files (one folder listing, then one read per day)."""
    stored = lake.stored_partitions(HOUSES_WITH_PARKS_KEY)
    last_day = resolve_as_of(as_of, stored)
    present = sorted(set(window_days(last_day, days)) & set(stored))
    if len(present) < 2:
        raise dg.Failure(
            description=(
                f"ml/price_model needs gold/houses_with_parks for at least 2 of the {days} days up "
                f"to {last_day} and found {len(present)}. Materialize those partitions first (a backfill)."
            ),
            allow_retries=False,
        )
    frames, versions = [], {}
    for day in present:
        frame, versions[day] = read_gold_day(lake, day)
        frames.append(frame)
    return TrainingData(last_day, days, versions, pl.concat(frames))


def read_gold_day(lake: PolarsParquetIOManager, day: str) -> tuple[pl.DataFrame, str]:
    """One listed day's gold and its file's SHA-256; a clear failure if the file went since."""
    read = lake.read_partition(HOUSES_WITH_PARKS_KEY, day)
    if read is None:
        raise dg.Failure(
            description=(
                f"ml/price_model: gold/houses_with_parks for {day} was listed but is gone (deleted or "
                "being rebuilt while training read the window). Nothing was trained; run again once "
                "that partition is materialized."
            )
        )
    return read
