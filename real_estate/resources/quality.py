"""Data-quality thresholds, configured per deployment."""

import dagster as dg


class DataQualityResource(dg.ConfigurableResource):
    """How much bad input a partition may carry before its blocking checks stop the run."""

    max_rejected_share: float = 0.01
