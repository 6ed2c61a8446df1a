"""Assets by layer: bronze, silver, gold, warehouse and ML."""
