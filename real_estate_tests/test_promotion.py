"""The promotion rule and the URI redaction, as pure functions: no training, no server."""

import datetime as dt

import pytest

from real_estate.resources.mlflow import TrackingAddress, redact_credentials, tracking_address
from real_estate.transforms.promotion import (
    Champion,
    Decision,
    HoldoutSize,
    PromotionRule,
    Verdict,
    decide_against_champion,
    decide_promotion,
)

RULE = PromotionRule(min_holdout=HoldoutSize(rows=300, days=3))
BIG_ENOUGH = HoldoutSize(rows=1000, days=7)


def decide(
    rmse: float,
    champion_rmse: float | None = None,
    holdout: HoldoutSize = BIG_ENOUGH,
    rule: PromotionRule = RULE,
    baseline_rmse: float = 500_000,
) -> Decision:
    return decide_promotion(rule, holdout, rmse, baseline_rmse, champion_rmse)


def test_the_first_model_that_beats_the_baseline_is_promoted() -> None:
    assert decide(350_000) == Decision(True, "no champion yet; RMSE 350,000 beats the baseline 500,000")


def test_a_better_model_takes_the_alias_and_a_tie_or_worse_does_not() -> None:
    assert decide(350_000, champion_rmse=360_000).promote
    tie = decide(350_000, champion_rmse=350_000)
    assert (
        not tie.promote and tie.reason == "RMSE 350,000 does not beat the champion's 350,000 by the margin 0%"
    )
    assert not decide(370_000, champion_rmse=360_000).promote


def test_the_margins_must_be_cleared() -> None:
    rule = PromotionRule(min_holdout=HoldoutSize(300, 3), baseline_margin=0.2, champion_margin=0.05)

    assert not decide(420_000, rule=rule).promote  # 16% better than the baseline: not 20%
    assert not decide(350_000, champion_rmse=360_000, rule=rule).promote  # 2.8% better: not 5%
    assert decide(340_000, champion_rmse=360_000, rule=rule).promote


def test_a_model_that_loses_to_the_baseline_is_never_promoted_even_without_champion() -> None:
    decision = decide(510_000)

    assert not decision.promote and "does not beat the zip-median baseline 500,000" in decision.reason


@pytest.mark.parametrize(
    "holdout", [HoldoutSize(rows=299, days=7), HoldoutSize(rows=5000, days=2), HoldoutSize(rows=150, days=1)]
)
def test_a_holdout_below_either_minimum_never_promotes(holdout: HoldoutSize) -> None:
    decision = decide(100_000, champion_rmse=400_000, holdout=holdout)

    assert not decision.promote
    assert decision.reason == (
        f"holdout too small to promote: {holdout.rows} rows over {holdout.days} days, "
        "minimum 300 rows and 3 days"
    )


def test_the_minimum_itself_is_enough() -> None:
    assert decide(350_000, holdout=HoldoutSize(rows=300, days=3)).promote


OCTOBER_1, OCTOBER_8 = dt.date(2026, 10, 1), dt.date(2026, 10, 8)


@pytest.mark.parametrize("champion_rmse", [400_000, None])  # None: the champion was not scored
def test_a_model_trained_on_an_older_window_never_takes_the_alias(champion_rmse: float | None) -> None:
    decision = decide_promotion(
        RULE, BIG_ENOUGH, 100_000, 500_000, champion_rmse, as_of=OCTOBER_1, champion_as_of=OCTOBER_8
    )

    assert decision == Decision(
        False,
        "as_of 2026-10-01 is older than the champion's as_of 2026-10-08: "
        "a model trained on an older window never takes the alias",
    )


@pytest.mark.parametrize(
    ("as_of", "champion_as_of"), [(OCTOBER_8, OCTOBER_8), (OCTOBER_8, OCTOBER_1), (OCTOBER_1, None)]
)
def test_a_window_as_new_as_the_champions_is_compared_on_rmse(
    as_of: dt.date, champion_as_of: dt.date | None
) -> None:
    def decide_on(rmse: float) -> Decision:
        return decide_promotion(
            RULE, BIG_ENOUGH, rmse, 500_000, 360_000, as_of=as_of, champion_as_of=champion_as_of
        )

    assert decide_on(350_000).promote
    assert not decide_on(370_000).promote


class Registry:
    """The champion as a registry would answer it, moved by other runs between reads."""

    def __init__(self, *answers: Champion | None, rmse: dict[int, float] | None = None) -> None:
        self.answers = list(answers)
        self.rmse = rmse or {}
        self.scored: list[int] = []

    def read(self) -> Champion | None:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def score(self, champion: Champion) -> dict[str, float]:
        self.scored.append(champion.version)
        return {"rmse": self.rmse[champion.version], "mae": 0.0}


def verdict(registry: Registry, rmse: float = 350_000, as_of: dt.date = OCTOBER_8) -> Verdict:
    return decide_against_champion(
        RULE, BIG_ENOUGH, {"rmse": rmse}, {"rmse": 500_000}, as_of, registry.read, registry.score
    )


def test_without_a_champion_nothing_is_scored_and_the_baseline_decides() -> None:
    registry = Registry(None)
    assert verdict(registry) == Verdict(decide(350_000), None, None)
    assert registry.scored == []


def test_the_champion_is_scored_on_the_candidates_holdout_and_kept_with_its_metrics() -> None:
    champion = Champion(3, OCTOBER_1)
    registry = Registry(champion, rmse={3: 360_000})
    result = verdict(registry)
    assert result.decision.promote and result.champion == champion
    assert result.champion_metrics == {"rmse": 360_000, "mae": 0.0} and registry.scored == [3]


def test_a_champion_on_a_newer_window_is_not_scored_and_keeps_the_alias() -> None:
    registry = Registry(Champion(3, OCTOBER_8), rmse={3: 900_000})
    result = verdict(registry, rmse=100_000, as_of=OCTOBER_1)
    assert not result.decision.promote and "older than the champion's" in result.decision.reason
    assert result.champion_metrics is None and registry.scored == []


def test_when_the_alias_moves_while_deciding_the_decision_is_taken_again_against_the_new_champion() -> None:
    # Version 3 loses to the candidate; version 4 took the alias meanwhile and beats it.
    registry = Registry(Champion(3, OCTOBER_1), Champion(4, OCTOBER_1), rmse={3: 400_000, 4: 300_000})
    result = verdict(registry)
    assert registry.scored == [3, 4]
    assert result.champion == Champion(4, OCTOBER_1) and not result.decision.promote
    assert "does not beat the champion's 300,000" in result.decision.reason


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("http://user:secret@127.0.0.1:5000", "http://***@127.0.0.1:5000"),
        ("https://u:ab/cd@h", "https://***@h"),  # a slash in the password
        ("https://u:p@ss@h/api", "https://***@h/api"),  # an @ in the password
        ("https://u:p?w#d@h", "https://***@h"),  # query and fragment marks in the password
        ("https://h/api?token=abc123&x=1", "https://h/api?token=***&x=***"),
        ("https://u:p@h/api?sig=zz;key=k#top", "https://***@h/api?sig=***;key=***#top"),
        ("postgresql://mlflow:pw@db:5432/mlflow", "postgresql://***@db:5432/mlflow"),
        ("https://h/api#access_token=abc&state=s", "https://h/api#access_token=***&state=***"),
        ("https://h/?abc123token", "https://h/?***"),
        ("https://h/api?v=1&abc123token#top", "https://h/api?v=***&***#top"),
        ("http://mlflow:5000/#/experiments/1", "http://mlflow:5000/#/experiments/1"),
        ("sqlite:////srv/mlflow.db", "sqlite:////srv/mlflow.db"),
        ("http://mlflow:5000", "http://mlflow:5000"),
        ("s3://bucket/models", "s3://bucket/models"),
    ],
)
def test_redaction_hides_every_credential_in_a_uri(uri: str, shown: str) -> None:
    assert redact_credentials(uri) == shown


def test_redaction_finds_uris_inside_error_text() -> None:
    text = "cannot reach http://u:pw@h:1/a (tried https://h/b?token=t0k): refused"

    # A query value runs to the next space: what follows it in prose may go too, never a secret's end.
    assert redact_credentials(text) == "cannot reach http://***@h:1/a (tried https://h/b?token=*** refused"


@pytest.mark.parametrize(
    ("uri", "address"),
    [
        ("http://user:secret@127.0.0.1:5000", TrackingAddress("http://127.0.0.1:5000", "user", "secret")),
        ("https://u%40corp:p%2Fw@h/mlflow", TrackingAddress("https://h/mlflow", "u@corp", "p/w")),
        ("https://u:p@ss@h", TrackingAddress("https://h", "u", "p@ss")),
        ("http://mlflow:5000", TrackingAddress("http://mlflow:5000")),
        ("postgresql://mlflow:pw@db/mlflow", TrackingAddress("postgresql://mlflow:pw@db/mlflow")),
        ("sqlite:////srv/mlflow.db", TrackingAddress("sqlite:////srv/mlflow.db")),
    ],
)
def test_a_tracking_servers_credentials_are_taken_out_of_its_uri(uri: str, address: TrackingAddress) -> None:
    assert tracking_address(uri) == address
