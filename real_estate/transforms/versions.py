"""Data versions: a frame's content named by a hash, so the same data always has the same version."""

import hashlib
import json

import polars as pl


def content_version(frame: pl.DataFrame) -> str:
    """SHA-256 of the frame's columns and rows, in order: equal frames (nulls told from empty
    strings) give equal versions, whatever file or run they came from."""
    digest = hashlib.sha256(json.dumps(frame.columns).encode())
    digest.update(frame.write_ndjson().encode())
    return digest.hexdigest()
