"""When assets materialize on their own: the automation condition the joining assets declare."""

import datetime as dt

import dagster as dg

LATE_DROP_WINDOW = dt.timedelta(days=30)


def when_inputs_ready() -> dg.AutomationCondition:
    """Dagster's `eager()` condition for the partitions of the last 30 days, not only the latest.

    A drop that arrives a few days late still gets its gold and predictions without a manual run.
    """
    eager = dg.AutomationCondition.eager()
    latest_only = next(
        child
        for child in eager.children
        if isinstance(child, type(dg.AutomationCondition.in_latest_time_window()))
    )
    return eager.replace(latest_only, dg.AutomationCondition.in_latest_time_window(LATE_DROP_WINDOW))
