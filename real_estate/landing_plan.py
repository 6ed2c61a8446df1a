"""What the landing sensor decides at each evaluation, as pure functions of what it sees.

A drop is taken when its version (content hash locally, ETag on S3) is the same at two
evaluations in a row, so a file still being written waits. It is done once bronze has ingested
that version. A version whose runs fail is tried again after a wait, up to `MAX_ATTEMPTS` runs,
then skipped with the reason. Files that are not drops (other names, symlinks, folders,
unreadable files, days whose partition does not exist yet) are skipped with their reason, logged
once per file version; a day not yet ended is taken once it has.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from real_estate.landing_layout import drop_day
from real_estate.resources.landing import LandingFile

MAX_ATTEMPTS = 3
# Seconds to wait after a failed run before the next attempt (the 2nd, then the 3rd).
RETRY_AFTER_SECONDS = (60.0, 600.0)


def drop_partition(name: str, first_day: dt.date) -> str | None:
    """The day a drop is for, or None when its name is not `<YYYY-MM-DD>.csv` from `first_day` on."""
    day = drop_day(name)
    return day.isoformat() if day is not None and day >= first_day else None


@dataclass(frozen=True)
class Drop:
    """A complete drop: its file name, day and version."""

    name: str
    partition: str
    version: str


@dataclass(frozen=True)
class DropState:
    """What the instance knows of one drop version."""

    ingested: bool = False  # bronze's latest materialization of the day read this version
    in_flight: bool = False  # a run for this version is queued or running
    failed_runs: int = 0  # runs for this version that failed or were canceled
    last_failure: float | None = None  # when the latest of them ended (Unix time)


@dataclass
class LandingCursor:
    """What the sensor remembers between evaluations, for the files still in the landing zone.

    `seen`: each file's signature and version at the last evaluation (the version must repeat
    before a drop is taken, and a local content hash is reused while the signature holds).
    `done`: the version of each drop that bronze has ingested (never looked up again).
    `reported`: the version and reason last logged for each skipped file.
    `legacy`: the handled keys of the release before (`name:size-mtime_ns`, `name:etag`), until
    the first evaluation turns them into `done`.
    """

    seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    done: dict[str, str] = field(default_factory=dict)
    reported: dict[str, str] = field(default_factory=dict)
    legacy: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, cursor: str | None) -> "LandingCursor":
        if not cursor:
            return cls()
        state = json.loads(cursor)
        if isinstance(state, list):  # the earlier release's cursor: a list of handled keys
            return cls(legacy=frozenset(state))
        seen = {name: (signature, version) for name, (signature, version) in state["seen"].items()}
        return cls(seen, state["done"], state["reported"])

    def serialize(self) -> str:
        return json.dumps({"seen": self.seen, "done": self.done, "reported": self.reported}, sort_keys=True)


@dataclass
class TickPlan:
    """What one evaluation decided."""

    cursor: LandingCursor
    to_run: list[tuple[Drop, int]] = field(default_factory=list)  # each with its attempt number
    already_ingested: list[Drop] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    newly_reported: dict[str, str] = field(default_factory=dict)


def skip_reason(file: LandingFile, partitions: dg.TimeWindowPartitionsDefinition) -> str | None:
    """Why `file` is not (yet) a drop to take, or None when it is one."""
    if file.problem:
        return file.problem
    partition = drop_partition(file.name, partitions.start.date())
    if partition is None:
        return f"its name is not <YYYY-MM-DD>.csv with a day from {partitions.start.date()} on"
    if not partitions.has_partition_key(partition):
        return "its day has not ended (UTC), so it has no partition yet; it is taken once the day has ended"
    return None


def next_step(state: DropState, now: float) -> int | str | None:
    """For a stable drop not yet ingested: the attempt to run, a reason to give up, or None to wait."""
    if state.in_flight:
        return None
    if state.failed_runs >= MAX_ATTEMPTS:
        return (
            f"its last {state.failed_runs} runs failed; fix or replace the file, or re-run the day by "
            "hand (the failed runs and the Slack alerts say why)"
        )
    if state.failed_runs and now - (state.last_failure or 0.0) < RETRY_AFTER_SECONDS[state.failed_runs - 1]:
        return None
    return state.failed_runs + 1


def plan_tick(
    previous: LandingCursor,
    files: list[LandingFile],
    partitions: dg.TimeWindowPartitionsDefinition,
    state_of: Callable[[Drop], DropState],
    now: float,
) -> TickPlan:
    """Decide, from the files present (each with its version), which drops to run and what to report."""
    plan = TickPlan(LandingCursor())
    for file in sorted(files, key=lambda listed: listed.name):
        version = file.version or ""
        plan.cursor.seen[file.name] = (file.signature, version)
        if file.legacy_key in previous.legacy:
            previous.done[file.name] = version  # handled by the earlier release, unchanged since
        reason = skip_reason(file, partitions)
        drop = Drop(file.name, drop_partition(file.name, partitions.start.date()) or "", version)
        if reason is None and previous.done.get(file.name) == version:
            plan.cursor.done[file.name] = version
            continue
        if reason is None and previous.seen.get(file.name, ("", ""))[1] != version:
            plan.waiting.append(file.name)  # new or still changing: take it once it holds still
            continue
        if reason is None:
            state = state_of(drop)
            if state.ingested:
                plan.cursor.done[file.name] = version
                plan.already_ingested.append(drop)
                continue
            step = next_step(state, now)
            if isinstance(step, int):
                plan.to_run.append((drop, step))
                continue
            if step is None:
                plan.waiting.append(file.name)
                continue
            reason = step
        report(plan, previous, file.name, version, reason)
    return plan


def report(plan: TickPlan, previous: LandingCursor, name: str, version: str, reason: str) -> None:
    """Record a skip; it is logged only when the file's version or reason is new."""
    plan.skipped[name] = reason
    plan.cursor.reported[name] = f"{version} {reason}"
    if previous.reported.get(name) != plan.cursor.reported[name]:
        plan.newly_reported[name] = reason
