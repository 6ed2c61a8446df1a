"""The one daily partitions definition every partitioned asset shares."""

import dagster as dg

PIPELINE_START_DATE = "2026-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=PIPELINE_START_DATE)
