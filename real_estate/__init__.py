"""Reference Dagster datalake for real-estate analytics and ML."""
