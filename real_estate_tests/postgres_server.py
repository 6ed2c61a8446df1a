"""A real PostgreSQL server on 127.0.0.1 for the tests: initdb in a temporary folder, pg_ctl start/stop."""

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from real_estate_tests.ports import free_port


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live (Debian keeps them out of PATH), or None when not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throwaway server; yield its URL; stop it and remove its files."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (Debian package: postgresql)")
    # PostgreSQL refuses to run as root: run it as the postgres user, in a folder that user owns.
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="real-estate-pg-"))
    if user:
        shutil.chown(root, user)
    data, port = root / "data", free_port()
    run = {"user": user, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"], **run)
    subprocess.run(
        [
            bin_dir / "pg_ctl",
            "-D",
            data,
            "-l",
            root / "server.log",
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off",
        ],
        **run,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], **(run | {"check": False})
        )
        shutil.rmtree(root, ignore_errors=True)
