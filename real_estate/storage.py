"""Atomic publishing of files to a local folder or an object store, through fsspec/UPath."""

import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from upath import UPath


def as_upath(url: str) -> UPath:
    """A UPath for a local folder or an `s3://...` URL."""
    return UPath(url)


def is_local(path: UPath) -> bool:
    """Whether `path` lives on the local file system."""
    return path.protocol in ("", "file", "local")


def publish_atomically(path: UPath, write: Callable[[str], None]) -> None:
    """Write a file through `write(local_tmp_path)`, then make it appear at `path` in one step.

    Locally the temporary file sits beside the target and is renamed over it (atomic on POSIX).
    On an object store it is uploaded in one PUT (or one multipart upload, which becomes visible
    only when complete). Either way a reader sees the previous version or the new one, never a
    partial file, and a failed write leaves the previous version in place.
    """
    if is_local(path):
        target = Path(path.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            write(str(tmp))
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return
    with tempfile.TemporaryDirectory(prefix="real-estate-") as tmp_dir:
        tmp = os.path.join(tmp_dir, path.name)
        write(tmp)
        path.fs.put_file(tmp, path.path)
