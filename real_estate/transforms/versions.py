"""Data versions: a frame's content named by a hash, so the same data always has the same version."""

import hashlib
import json
from pathlib import Path
from types import ModuleType

import polars as pl


def content_version(frame: pl.DataFrame) -> str:
    """SHA-256 of the frame's columns and rows, in order: equal frames (nulls told from empty
    strings) give equal versions, whatever file or run they came from."""
    digest = hashlib.sha256(json.dumps(frame.columns).encode())
    digest.update(frame.write_ndjson().encode())
    return digest.hexdigest()


def source_version(*modules: ModuleType) -> str:
    """A code version from the source of the modules that decide what an asset holds: any edit to
    them is a new version, so no one has to remember to change a constant."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]
