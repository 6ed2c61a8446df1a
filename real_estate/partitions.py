"""The one daily partitions definition every partitioned asset shares."""

import dagster as dg

from real_estate.deployment import partitions_start

# 2026-01-01 unless REAL_ESTATE_PARTITIONS_START says otherwise (imported history starts earlier).
daily_partitions = dg.DailyPartitionsDefinition(start_date=partitions_start())
