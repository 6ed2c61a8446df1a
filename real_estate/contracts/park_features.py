"""The park feature kinds, written once: how Seattle's free-text features are counted per park
(silver parks) and per zip code (gold, the model's park features)."""

# Canonical kinds, matched in order against a feature's lower-cased `feature_desc`.
FEATURE_KINDS: dict[str, str] = {
    "play_area": r"play area|spray park|wading pool|water feature",
    "sports_field": r"soccer|football|baseball|softball|lacrosse|rugby|track|playfield",
    "court": r"basketball|tennis|pickleball|volleyball",
    "trail": r"trail|path",
    "water_access": r"beach|boat launch|waterfront|fishing",
    "off_leash": r"off leash",
    "picnic": r"picnic",
    "restroom": r"restroom",
}
OTHER_KIND = "other"
KINDS: tuple[str, ...] = (*FEATURE_KINDS, OTHER_KIND)


def kind_column(kind: str) -> str:
    """The column counting features of `kind`."""
    return f"features_{kind}"


FEATURE_KIND_COLUMNS: tuple[str, ...] = tuple(kind_column(kind) for kind in KINDS)
# Gold's park features of a zip code: parks, features, and features of each kind.
PARK_FEATURE_COLUMNS: tuple[str, ...] = ("num_parks", "num_park_features", *FEATURE_KIND_COLUMNS)
