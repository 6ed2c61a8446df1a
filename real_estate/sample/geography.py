"""Approximate zip-code centroids for the synthetic sample (Seattle and King County)."""

import hashlib

# Approximate centroids of Seattle zip codes that have parks.
SEATTLE_ZIPS: dict[str, tuple[float, float]] = {
    "98101": (47.611, -122.335), "98102": (47.636, -122.322), "98103": (47.673, -122.342),
    "98104": (47.602, -122.327), "98105": (47.661, -122.289), "98106": (47.534, -122.355),
    "98107": (47.668, -122.377), "98108": (47.546, -122.304), "98109": (47.631, -122.345),
    "98112": (47.630, -122.297), "98115": (47.685, -122.300), "98116": (47.575, -122.396),
    "98117": (47.689, -122.379), "98118": (47.542, -122.270), "98119": (47.639, -122.368),
    "98121": (47.615, -122.347), "98122": (47.611, -122.302), "98125": (47.716, -122.300),
    "98126": (47.546, -122.372), "98133": (47.733, -122.344), "98134": (47.578, -122.338),
    "98136": (47.537, -122.389), "98144": (47.585, -122.300), "98146": (47.501, -122.356),
    "98177": (47.742, -122.370), "98178": (47.499, -122.247), "98199": (47.650, -122.398),
}

# The 70 zip codes of the King County house-sales dataset.
KING_COUNTY_ZIPS: tuple[str, ...] = (
    "98001", "98002", "98003", "98004", "98005", "98006", "98007", "98008", "98010", "98011",
    "98014", "98019", "98022", "98023", "98024", "98027", "98028", "98029", "98030", "98031",
    "98032", "98033", "98034", "98038", "98039", "98040", "98042", "98045", "98052", "98053",
    "98055", "98056", "98058", "98059", "98065", "98070", "98072", "98074", "98075", "98077",
    "98092", "98102", "98103", "98105", "98106", "98107", "98108", "98109", "98112", "98115",
    "98116", "98117", "98118", "98119", "98122", "98125", "98126", "98133", "98136", "98144",
    "98146", "98148", "98155", "98166", "98168", "98177", "98178", "98188", "98198", "98199",
)


def _unit_hash(text: str) -> float:
    """A stable number in [0, 1) derived from `text`."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16**8


def zip_centroid(zip_code: str) -> tuple[float, float]:
    """Latitude and longitude of a zip code: Seattle approximations, else a stable King County spot."""
    if zip_code in SEATTLE_ZIPS:
        return SEATTLE_ZIPS[zip_code]
    return 47.18 + 0.58 * _unit_hash(zip_code + "lat"), -122.42 + 0.62 * _unit_hash(zip_code + "lon")


def zip_price_level(zip_code: str) -> float:
    """A stable base price (USD) per zip code, the location effect of the synthetic market."""
    return 280_000 + 900_000 * _unit_hash(zip_code + "price") ** 2


def state_plane_feet(latitude: float, longitude: float) -> tuple[float, float]:
    """Rough Washington State Plane North coordinates (US feet), as Seattle's x_coord/y_coord."""
    return 1_266_000 + (longitude + 122.335) * 247_000, 220_000 + (latitude - 47.6) * 364_000
