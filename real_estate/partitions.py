"""The daily partitions every partitioned asset shares, and where their first day is set.

Asset modules declare `partitions_def=daily_partitions`: days from 2026-01-01. Importing them reads
no environment. When the definitions load, `starting_on` moves every asset declared on these days
to the deployment's first day (`REAL_ESTATE_PARTITIONS_START`, earlier for imported history).
Code that runs against loaded definitions asks them for the partitions (`loaded_partitions`), never
this module, whose start is only the default.
"""

from typing import TypeVar

import dagster as dg

from real_estate.deployment import DEFAULT_PARTITIONS_START

daily_partitions = dg.DailyPartitionsDefinition(start_date=DEFAULT_PARTITIONS_START)

Asset = TypeVar("Asset", dg.AssetsDefinition, dg.AssetSpec)


def starting_on(assets: list[Asset], start: str) -> list[Asset]:
    """The assets, those declared on `daily_partitions` now starting on `start` (YYYY-MM-DD).

    Dagster's documented way to give existing assets a partitions definition (`map_asset_specs`).
    """
    moved = dg.DailyPartitionsDefinition(start_date=start)
    return dg.map_asset_specs(
        lambda spec: (
            spec.replace_attributes(partitions_def=moved) if spec.partitions_def == daily_partitions else spec
        ),
        assets,
    )


def loaded_partitions(repository: dg.RepositoryDefinition, key: dg.AssetKey) -> dg.DailyPartitionsDefinition:
    """The daily partitions of `key` as the definitions loaded them (with the deployment's first day)."""
    partitions = repository.asset_graph.get(key).partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition), key
    return partitions
