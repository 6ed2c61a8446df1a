"""Freshness for the daily assets: each should be materialized between 06:00 UTC and 06:00 UTC.

A day's partition is complete at midnight UTC and the daily run should have materialized it by
06:00 UTC; an asset with no materialization in the 24 hours before a deadline shows as stale.
Dagster's `FreshnessPolicy` (which superseded freshness checks in 1.12) is evaluated per asset,
not per partition: a backfill of old days also counts as fresh. Enabled in `dagster.yaml`.
"""

import datetime as dt

import dagster as dg

DEADLINE_CRON = "0 6 * * *"

daily_freshness = dg.FreshnessPolicy.cron(
    deadline_cron=DEADLINE_CRON, lower_bound_delta=dt.timedelta(hours=24), timezone="UTC"
)


def with_daily_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The spec with the daily freshness policy attached."""
    return spec.replace_attributes(freshness_policy=daily_freshness)
