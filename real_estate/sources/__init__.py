"""Clients for the outside world: the Socrata open-data API and the house-sales landing zone."""
