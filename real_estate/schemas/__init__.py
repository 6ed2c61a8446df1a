"""Pandera (polars backend) models, one per dataset: the single source of column rules and types."""
