"""`dagster dev` started for real on 127.0.0.1 against a temporary instance and datalake."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_dagster_dev(root: Path, env: dict[str, str], timeout: float = 120) -> Iterator[str]:
    """Start `dagster dev` with `env`; yield the UI's base URL once it answers; stop it."""
    port = free_port()
    log = (root / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        [
            str(BIN / "dagster"),
            "dev",
            "-m",
            "real_estate.definitions",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=root,
        env=os.environ | env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"dagster dev exited: {(root / 'dagster-dev.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("dagster dev did not answer in time")
            time.sleep(1)
        yield url
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()
