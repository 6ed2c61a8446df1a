"""Where house-sales drops land: `<landing>/house_sales/<YYYY-MM-DD>.csv`, one file per day.

Pure: names and URLs only. The landing resource, the sensor's plan, the sample writer and the
history import all derive the layout from here.
"""

import datetime as dt

FOLDER = "house_sales"
EXTENSION = ".csv"


def folder_url(landing_url: str) -> str:
    """`<landing>/house_sales`, the folder (or S3 prefix) the drops are in."""
    return f"{landing_url.rstrip('/')}/{FOLDER}"


def drop_name(day: dt.date) -> str:
    """The file name of the drop for `day`: `<YYYY-MM-DD>.csv`."""
    return f"{day.isoformat()}{EXTENSION}"


def drop_url(landing_url: str, day: dt.date) -> str:
    """Where the drop for `day` lands."""
    return f"{folder_url(landing_url)}/{drop_name(day)}"


def drop_day(name: str) -> dt.date | None:
    """The day a file name is the drop for, or None when it is not exactly `<YYYY-MM-DD>.csv`."""
    stem = name.removesuffix(EXTENSION)
    if stem == name:
        return None
    try:
        day = dt.date.fromisoformat(stem)
    except ValueError:
        return None
    return day if drop_name(day) == name else None
