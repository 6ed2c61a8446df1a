"""`dg dev`, as `make ui` runs it, started for real on 127.0.0.1 in a throwaway copy of the project
(its instance and datalake in temporary folders)."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from real_estate_tests.ports import free_port

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]


def project_copy(root: Path) -> Path:
    """The project as `dg dev` sees it (pyproject, dagster.yaml, the package), under `root`.

    Its `dagster.yaml` keeps run storage relative to the project, as in a real checkout, and its
    `.env` makes the copy the `DAGSTER_HOME`, as the README says, without touching `data/`.
    """
    project = root / "project"
    project.mkdir()
    for name in ("pyproject.toml", "dagster.yaml"):
        shutil.copy(REPOSITORY / name, project / name)
    (project / "real_estate").symlink_to(REPOSITORY / "real_estate", target_is_directory=True)
    (project / ".env").write_text(f"DAGSTER_HOME={project}\n")  # as `make install` writes it
    return project


@contextmanager
def running_dagster_dev(project: Path, env: dict[str, str], timeout: float = 120) -> Iterator[str]:
    """Start `dg dev` in `project` with `env`, as `make ui` does; yield the UI's URL once it answers."""
    port = free_port()
    log = (project / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "dg"), "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project,
        # No DAGSTER_HOME given: it comes from the project's .env, as for `make ui`.
        env={k: v for k, v in (os.environ | env).items() if k != "DAGSTER_HOME"}
        | {"VIRTUAL_ENV": str(BIN.parent)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"dg dev exited: {(project / 'dagster-dev.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("dg dev did not answer in time")
            time.sleep(1)
        yield url
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()
