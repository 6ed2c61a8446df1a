"""The landing zone as an external, observed source: one daily house-sales drop per partition.

Nothing in Dagster writes it: producers do. The landing sensor records each complete drop's
version (content hash or ETag) as this asset's data version for the day, so the UI shows
bronze/house_sales as stale for a day whose drop was replaced after it was ingested.
"""

import dagster as dg

from real_estate.assets.common import DATA_ENGINEERING
from real_estate.metadata import model_metadata
from real_estate.partitions import daily_partitions
from real_estate.schemas.bronze import HouseSalesBronze

LANDING_HOUSE_SALES_KEY = dg.AssetKey(["landing", "house_sales"])

landing_house_sales = dg.AssetSpec(
    LANDING_HOUSE_SALES_KEY,
    description="Daily King County house-sales drops, house_sales/<YYYY-MM-DD>.csv, as delivered.",
    group_name="landing",
    partitions_def=daily_partitions,
    owners=[DATA_ENGINEERING],
    kinds={"csv"},
    metadata=model_metadata(HouseSalesBronze),  # the columns of a drop: bronze keeps them as received
)
