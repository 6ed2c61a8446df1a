"""Pure polars transforms: frames in, frames out. No Dagster import here."""
