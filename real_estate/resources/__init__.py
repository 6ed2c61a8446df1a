"""Resources: the datalake IO manager, landing zone, Socrata, warehouse and MLflow."""
