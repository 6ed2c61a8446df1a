"""The promotion rule: whether a newly trained model version takes the champion alias.

Pure: it compares numbers measured on one holdout, so it is tested without training anything;
reading the champion and scoring it are given as functions.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HoldoutSize:
    """How much data a holdout has: rows and distinct days."""

    rows: int
    days: int


@dataclass(frozen=True)
class PromotionRule:
    """What a candidate must meet: a big enough holdout and margins over baseline and champion."""

    min_holdout: HoldoutSize
    baseline_margin: float = 0.0
    champion_margin: float = 0.0


@dataclass(frozen=True)
class Decision:
    """Promote or not, and why, in words for the UI."""

    promote: bool
    reason: str


def beats_baseline(rmse: float, baseline_rmse: float, margin: float) -> bool:
    """Whether the candidate's RMSE is below the baseline's by at least `margin` (a fraction)."""
    return rmse < baseline_rmse * (1 - margin)


def baseline_check_description(version: int, rmse: float, baseline_rmse: float, margin: float) -> str:
    """The baseline check's outcome in words, with both RMSEs, the gap between them and the margin."""
    measured = f"version {version}'s holdout RMSE ${rmse:,.0f}"
    baseline = f"the zip-median baseline's ${baseline_rmse:,.0f}"
    shown_margin = f"{margin * 100:g}%"
    if beats_baseline(rmse, baseline_rmse, margin):  # so the baseline's RMSE is above 0
        improvement = 1 - rmse / baseline_rmse
        return f"passed: {measured} is below {baseline} by {improvement:.1%} (margin {shown_margin})"
    if baseline_rmse <= 0:
        gap = "the baseline has no error to beat"
    else:
        change = 1 - rmse / baseline_rmse
        gap = f"it is {abs(change):.1%} {'below' if change >= 0 else 'above'}"
    return f"failed: {measured} is not below {baseline} by the margin {shown_margin}: {gap}"


def older_than_champion(as_of: dt.date | None, champion_as_of: dt.date | None) -> bool:
    """Whether the candidate's window ends before the champion's (unknown days never compare)."""
    return as_of is not None and champion_as_of is not None and as_of < champion_as_of


def decide_promotion(
    rule: PromotionRule,
    holdout: HoldoutSize,
    rmse: float,
    baseline_rmse: float,
    champion_rmse: float | None,
    as_of: dt.date | None = None,
    champion_as_of: dt.date | None = None,
) -> Decision:
    """Promote only on a big enough holdout, beating the baseline and the current champion (if any).

    A candidate whose window ends before the champion's never promotes, so its champion need not
    be scored (`champion_rmse` None): on that holdout the champion would be scored on days it was
    trained on.
    """
    minimum = rule.min_holdout
    if holdout.rows < minimum.rows or holdout.days < minimum.days:
        return Decision(
            False,
            f"holdout too small to promote: {holdout.rows} rows over {holdout.days} days, "
            f"minimum {minimum.rows} rows and {minimum.days} days",
        )
    if not beats_baseline(rmse, baseline_rmse, rule.baseline_margin):
        return Decision(
            False,
            f"RMSE {rmse:,.0f} does not beat the zip-median baseline {baseline_rmse:,.0f} "
            f"by the margin {rule.baseline_margin:.0%}",
        )
    if older_than_champion(as_of, champion_as_of):
        return Decision(
            False,
            f"as_of {as_of} is older than the champion's as_of {champion_as_of}: "
            "a model trained on an older window never takes the alias",
        )
    if champion_rmse is None:
        return Decision(True, f"no champion yet; RMSE {rmse:,.0f} beats the baseline {baseline_rmse:,.0f}")
    if rmse < champion_rmse * (1 - rule.champion_margin):
        return Decision(
            True, f"RMSE {rmse:,.0f} beats the champion's {champion_rmse:,.0f} on the same holdout"
        )
    return Decision(
        False,
        f"RMSE {rmse:,.0f} does not beat the champion's {champion_rmse:,.0f} "
        f"by the margin {rule.champion_margin:.0%}",
    )


@dataclass(frozen=True)
class Champion:
    """The version holding the champion alias, and the last day of its training window."""

    version: int
    as_of: dt.date | None


@dataclass(frozen=True)
class Verdict:
    """The decision, and the champion it was taken against with its metrics on the same holdout."""

    decision: Decision
    champion: Champion | None
    champion_metrics: dict[str, float] | None


def decide_against_champion(
    rule: PromotionRule,
    holdout: HoldoutSize,
    metrics: dict[str, float],
    baseline: dict[str, float],
    as_of: dt.date,
    read_champion: Callable[[], Champion | None],
    score_champion: Callable[[Champion], dict[str, float]],
) -> Verdict:
    """Read the champion, score it on this holdout, decide; again if the alias moved meanwhile.

    The caller moves the alias right after: with one decision at a time (a concurrency pool), the
    champion read again here is the one the decision replaces. A champion trained on a newer
    window is not scored: the candidate stays challenger anyway, and the champion would be scored
    on days it was trained on.
    """
    champion = read_champion()
    while True:
        scored = champion is not None and not older_than_champion(as_of, champion.as_of)
        champion_metrics = score_champion(champion) if champion is not None and scored else None
        decision = decide_promotion(
            rule,
            holdout,
            metrics["rmse"],
            baseline["rmse"],
            champion_metrics["rmse"] if champion_metrics else None,
            as_of=as_of,
            champion_as_of=champion.as_of if champion is not None else None,
        )
        current = read_champion()
        if current == champion:
            return Verdict(decision, champion, champion_metrics)
        champion = current
