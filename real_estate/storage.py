"""Atomic publishing of files to a local folder or an object store, through fsspec/UPath, and the
private staging folders files are written in first.

Whatever a killed run leaves behind is removed by a later one: its staging folder at the next
staging under the same TMPDIR, once the run is dead (each live run holds a lock on its own), and a
temporary file beside a partition at that partition's next write, once nothing has written to it
for `ABANDONED_AFTER_SECONDS`.
"""

import fcntl
import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from upath import UPath

STAGING_PREFIX = "real-estate-staging-"
# Marks a staging folder whose lock was taken: only such a folder, unlocked, is known abandoned.
_OWNED = ".owned"
# A write that is alive touches its file far more often than this.
ABANDONED_AFTER_SECONDS = 3600


def as_upath(url: str) -> UPath:
    """A UPath for a local folder or an `s3://...` URL."""
    return UPath(url)


def is_local(path: UPath) -> bool:
    """Whether `path` lives on the local file system."""
    return path.protocol in ("", "file", "local")


@contextmanager
def staging() -> Iterator[Path]:
    """A private folder (under TMPDIR) for files on their way to the lake; whatever was not
    published goes with it, and folders left by killed runs are removed first."""
    remove_abandoned_staging(Path(tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        _hold(descriptor, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # while still locked: no one else removes it meanwhile
        os.close(descriptor)


def _hold(descriptor: int, folder: Path) -> None:
    """Lock the folder for as long as this process lives (the kernel releases it however the process
    ends) and mark it as locked; where the file system has no locks, it stays unmarked."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:
        return
    (folder / _OWNED).touch()


def remove_abandoned_staging(root: Path) -> list[Path]:
    """Remove this user's staging folders under `root` that no live run holds (their lock is free),
    when marked by their run, or unmarked and untouched for an hour; return them.

    Cleaning up never fails a run: a folder it cannot open, lock or read is left where it is.
    """
    removed = []
    for folder in root.glob(f"{STAGING_PREFIX}*"):
        try:
            descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:  # gone meanwhile, not a folder, or not ours to open
            continue
        try:
            if _abandoned(descriptor):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:  # alive (its lock is held), or this file system cannot tell
            pass
        finally:
            os.close(descriptor)
    return removed


def _abandoned(folder: int) -> bool:
    """Whether the opened staging folder is this user's and no run holds it (its lock is then ours)."""
    status = os.fstat(folder)
    if status.st_uid != os.getuid():
        return False
    fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        os.stat(_OWNED, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:  # unmarked: being created right now, or left before it was marked
        return time.time() - status.st_mtime > ABANDONED_AFTER_SECONDS
    return True


def remove_abandoned_temp_files(target: Path) -> list[Path]:
    """Remove temporary files of `target` (beside it) that nothing has written to for an hour.
    Anything else named like one (a folder, a link) is left alone, and so is what cannot be removed."""
    removed = []
    for temp in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            status = temp.stat(follow_symlinks=False)
            if stat.S_ISREG(status.st_mode) and time.time() - status.st_mtime > ABANDONED_AFTER_SECONDS:
                temp.unlink()
                removed.append(temp)
        except OSError:  # published or removed meanwhile, or not ours
            continue
    return removed


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
        remove_abandoned_temp_files(target)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            write(str(tmp))
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return
    with staging() as folder:
        tmp = str(folder / path.name)
        write(tmp)
        path.fs.put_file(tmp, path.path)
