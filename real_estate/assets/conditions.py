"""When assets materialize on their own: the automation condition the assets after bronze declare."""

import datetime as dt
import functools
import operator

import dagster as dg

LATE_DROP_WINDOW = dt.timedelta(days=30)


def when_inputs_ready(window: dt.timedelta | None = LATE_DROP_WINDOW) -> dg.AutomationCondition:
    """Dagster's `eager()` condition for the days within `window` of the latest (None: any day),
    not only the latest, counting an input as updated only when its data version changed.

    A drop that arrives a few days late still gets its gold and predictions without a manual run.
    An input materialized again with the data it had (a kept parks snapshot, a re-run or backfill
    of an unchanged day) keeps its data version, so nothing is computed or scored again.
    """
    eager = dg.AutomationCondition.eager()
    latest_only = next(
        child
        for child in eager.children
        if isinstance(child, type(dg.AutomationCondition.in_latest_time_window()))
    )
    if window is None:
        rest = [child for child in eager.children if child is not latest_only]
        eager = functools.reduce(operator.and_, rest).with_label("eager, any day")
    else:
        eager = eager.replace(latest_only, dg.AutomationCondition.in_latest_time_window(window))
    changed = (
        dg.AutomationCondition.newly_updated()
        & dg.AutomationCondition.data_version_changed()
        & ~dg.AutomationCondition.executed_with_root_target()
    ).with_label("newly_changed_without_root")
    any_deps_changed = dg.AutomationCondition.any_deps_match(
        changed | dg.AutomationCondition.will_be_requested()
    ).with_label("any_deps_changed")
    return eager.replace("any_deps_updated", any_deps_changed)
