"""What killed runs leave behind is removed by later ones, and nothing a live run uses."""

import errno
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from upath import UPath

from real_estate.storage import (
    ABANDONED_AFTER_SECONDS,
    STAGING_PREFIX,
    publish_atomically,
    remove_abandoned_staging,
    staging,
)

HOLD_STAGING = """
import sys, time
from real_estate.storage import staging
with staging() as folder:
    (folder / "part.parquet").write_bytes(b"x" * 1000)
    print(folder, flush=True)
    time.sleep(600)
"""


def start_holding_staging(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """A process inside `staging()` under TMPDIR=tmp_path, and its folder."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_STAGING],
        env=os.environ | {"TMPDIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    folder = Path(process.stdout.readline().strip())
    assert folder.parent == tmp_path and folder.name.startswith(STAGING_PREFIX), folder
    return process, folder


def test_a_live_runs_staging_folder_is_kept_and_a_killed_runs_is_removed(tmp_path: Path) -> None:
    alive, kept = start_holding_staging(tmp_path)
    killed, abandoned = start_holding_staging(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)

        assert remove_abandoned_staging(tmp_path) == [abandoned]
        assert not abandoned.exists()
        assert (kept / "part.parquet").exists()
    finally:
        alive.kill()
        alive.wait(timeout=30)
    assert remove_abandoned_staging(tmp_path) == [kept]


def test_a_folder_being_created_is_left_alone(tmp_path: Path) -> None:
    # Created but not yet locked and marked by its run: it may be a second old.
    new = tmp_path / f"{STAGING_PREFIX}new"
    new.mkdir()
    (tmp_path / "other-programs-folder").mkdir()

    assert remove_abandoned_staging(tmp_path) == []
    assert new.exists() and (tmp_path / "other-programs-folder").exists()


def test_staging_removes_its_own_folder_and_the_abandoned_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed, abandoned = start_holding_staging(tmp_path)
    killed.kill()
    killed.wait(timeout=30)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again

    with staging() as folder:
        assert not abandoned.exists()
        assert folder.parent == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_publishing_removes_the_partitions_abandoned_temp_files_and_keeps_fresh_ones(tmp_path: Path) -> None:
    target = tmp_path / "2026-03-01.parquet"
    stale, fresh, other = (
        tmp_path / ".2026-03-01.parquet.dead.tmp",
        tmp_path / ".2026-03-01.parquet.alive.tmp",
        tmp_path / ".2026-03-02.parquet.dead.tmp",
    )
    for temp in (stale, fresh, other):
        temp.write_bytes(b"partial")
    long_ago = time.time() - ABANDONED_AFTER_SECONDS - 60
    for temp in (stale, other):
        os.utime(temp, (long_ago, long_ago))

    publish_atomically(UPath(str(target)), lambda path: Path(path).write_bytes(b"new"))

    assert target.read_bytes() == b"new"
    # Another partition's leftovers wait for that partition's next write.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, fresh.name, other.name])


def aged(path: Path, seconds: float = ABANDONED_AFTER_SECONDS + 60) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_an_unmarked_folder_an_hour_old_is_removed(tmp_path: Path) -> None:
    # Left by a run killed before it marked its folder, or by a version that did not mark them.
    old = aged(make_folder(tmp_path / f"{STAGING_PREFIX}old", owned=False))

    assert remove_abandoned_staging(tmp_path) == [old]


def make_folder(folder: Path, owned: bool = True) -> Path:
    folder.mkdir()
    (folder / "part.parquet").write_bytes(b"x")
    if owned:
        (folder / ".owned").touch()
    return folder


def test_another_users_folders_are_never_touched(tmp_path: Path) -> None:
    theirs = make_folder(tmp_path / f"{STAGING_PREFIX}theirs")
    os.chown(theirs, 12345, 12345)

    assert remove_abandoned_staging(tmp_path) == []
    assert (theirs / "part.parquet").exists()


def test_cleanup_that_cannot_lock_never_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = make_folder(tmp_path / f"{STAGING_PREFIX}dead")

    def no_locks(descriptor: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)

    with staging() as folder:
        (folder / "x").write_bytes(b"y")
    assert dead.exists()  # not known dead: kept


def test_a_folder_named_like_a_temp_file_does_not_fail_the_publish(tmp_path: Path) -> None:
    target = tmp_path / "2026-03-01.parquet"
    odd = aged(make_folder(tmp_path / ".2026-03-01.parquet.odd.tmp"))

    publish_atomically(UPath(str(target)), lambda path: Path(path).write_bytes(b"new"))

    assert target.read_bytes() == b"new" and odd.is_dir()
