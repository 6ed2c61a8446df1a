"""What every asset module shares: owners and the retry policy for network-facing steps."""

import datetime as dt

import dagster as dg

DATA_ENGINEERING = "team:data-engineering"
ANALYTICS = "team:analytics"
ML = "team:ml"

NETWORK_RETRY = dg.RetryPolicy(
    max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def partition_day(context: dg.AssetExecutionContext) -> dt.date:
    """The run's daily partition as a date."""
    return dt.date.fromisoformat(context.partition_key)
