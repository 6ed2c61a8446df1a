"""Synthetic Seattle parks in the exact SODA JSON shape of Park Addresses and Park Features By PMAID.

`python -m real_estate.sample.parks` rewrites the bundled files in `sample/data/`.
"""

import json
from importlib import resources
from pathlib import Path

import numpy as np

from real_estate.sample.geography import SEATTLE_ZIPS, state_plane_feet

PARKS_ADDRESSES_FILE = "parks_addresses.json"
PARK_FEATURES_FILE = "park_features.json"

FEATURE_DESCRIPTIONS = (
    "Play Area",
    "Restrooms",
    "Picnic Sites",
    "Basketball (Full)",
    "Basketball (Half)",
    "Tennis Court (Outdoor)",
    "Soccer",
    "Baseball/Softball",
    "Football",
    "Track",
    "Hiking Trails",
    "Paths",
    "Paths (ADA Compliant)",
    "Bike Trail",
    "Beach",
    "Boat Launch (Hand Carry)",
    "Fishing",
    "Waterfront",
    "Dog Off Leash Area",
    "Wading Pool or Water Feature",
    "Spray Park",
    "Community Center",
    "P-Patch Community Garden",
    "Scenic View",
    "Woods",
    "Skatepark",
    "Adult Fitness Equipment",
    "Historic Landmark",
)
NAME_STEMS = (
    "Alder",
    "Beacon",
    "Cedar",
    "Denny",
    "Evergreen",
    "Fir",
    "Greenwood",
    "Hillside",
    "Interbay",
    "Juniper",
    "Kinnear",
    "Lakeview",
    "Madrona",
    "Northgate",
    "Orchard",
    "Pinehurst",
    "Queen Anne",
    "Rainier",
    "Sunset",
    "Thistle",
    "Union",
    "Viewland",
    "Westcrest",
    "Yesler",
    "Maple",
    "Magnolia",
)
NAME_KINDS = ("Park", "Playground", "Playfield", "Greenspace", "Triangle", "Viewpoint", "P-Patch")
STREET_KINDS = ("Ave", "St", "Way", "Pl", "Blvd")
STREET_DIRECTIONS = ("N", "NE", "NW", "S", "SE", "SW", "E", "W")


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def generate_parks(
    num_parks: int = 430, seed: int = 7
) -> tuple[list[dict[str, object]], list[dict[str, str]]]:
    """Park Addresses rows and Park Features rows, all values strings as SODA returns them."""
    rng = np.random.default_rng(seed)
    zips = sorted(SEATTLE_ZIPS)
    zip_weights = rng.uniform(0.3, 1.7, len(zips))
    zip_weights /= zip_weights.sum()
    addresses: list[dict[str, object]] = []
    features: list[dict[str, str]] = []
    locid = 1000
    for index in range(num_parks):
        pmaid = str(100 + index * 3)
        name = f"{NAME_STEMS[index % len(NAME_STEMS)]} {NAME_KINDS[rng.integers(len(NAME_KINDS))]}"
        if index >= len(NAME_STEMS):
            name = f"{name} {index // len(NAME_STEMS) + 1}"
        zip_code = str(rng.choice(zips, p=zip_weights))
        lat0, lon0 = SEATTLE_ZIPS[zip_code]
        for _ in range(int(rng.choice([1, 1, 1, 2, 3]))):
            locid += 1
            latitude = lat0 + rng.normal(0, 0.008)
            longitude = lon0 + rng.normal(0, 0.008)
            x_coord, y_coord = state_plane_feet(latitude, longitude)
            street = (
                f"{int(rng.integers(100, 9999))} {_ordinal(int(rng.integers(1, 90)))} "
                f"{STREET_KINDS[rng.integers(len(STREET_KINDS))]} "
                f"{STREET_DIRECTIONS[rng.integers(len(STREET_DIRECTIONS))]}"
            )
            row: dict[str, object] = {
                "pmaid": pmaid,
                "locid": str(locid),
                "name": name,
                "address": street,
                "zip_code": zip_code,
                "x_coord": f"{x_coord:.2f}",
                "y_coord": f"{y_coord:.2f}",
            }
            if rng.random() < 0.7:
                human = {"address": street, "city": "Seattle", "state": "WA", "zip": zip_code}
                row["location_1"] = {
                    "latitude": f"{latitude:.6f}",
                    "longitude": f"{longitude:.6f}",
                    "human_address": json.dumps(human),
                }
            addresses.append(row)
        num_features = int(rng.poisson(5.5))
        picked = rng.choice(len(FEATURE_DESCRIPTIONS), size=min(num_features, 20), replace=False)
        for feature_index in sorted(picked):
            features.append(
                {
                    "service_layer_id": str(int(feature_index) + 1),
                    "feature_desc": FEATURE_DESCRIPTIONS[feature_index],
                    "pmaid": pmaid,
                }
            )
    return addresses, features


def load_bundled(file_name: str) -> list[dict[str, object]]:
    """One of the bundled sample datasets, as parsed SODA JSON rows."""
    text = resources.files("real_estate.sample").joinpath("data", file_name).read_text()
    return json.loads(text)


def main() -> None:
    """Rewrite the bundled sample files."""
    addresses, features = generate_parks()
    data_dir = Path(__file__).parent / "data"
    data_dir.mkdir(exist_ok=True)
    for name, rows in ((PARKS_ADDRESSES_FILE, addresses), (PARK_FEATURES_FILE, features)):
        (data_dir / name).write_text(json.dumps(rows, indent=1) + "\n")
        print(f"wrote {len(rows)} rows to {data_dir / name}")


if __name__ == "__main__":
    main()
