"""Definitions load lazily: importing any module reads no environment; loading them reads it once.

`dg check defs` and `dg list defs` load the project as `dg dev` does, in a process with a clean
environment (only the embedded defaults), and a malformed variable fails the load by its name.
"""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import real_estate
from real_estate import definitions
from real_estate.deployment import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BAD_START = {"REAL_ESTATE_PARTITIONS_START": "not-a-date"}


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A process environment with none of the pipeline's variables: PATH, HOME, the venv, an instance."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "VIRTUAL_ENV": str(BIN.parent),
        "DAGSTER_HOME": str(home),
    } | extra


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_dg_check_defs_and_dg_list_defs_load_the_project(tmp_path: Path) -> None:
    checked = run([str(BIN / "dg"), "check", "defs"], clean_env(tmp_path))
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert "All definitions loaded successfully" in checked.stdout

    listed = run([str(BIN / "dg"), "list", "defs", "--json"], clean_env(tmp_path))
    assert listed.returncode == 0, listed.stderr[-2000:]
    for name in ("bronze/house_sales", "ml/price_model", "ingest_house_sales", "house_sales_landing_sensor"):
        assert name in listed.stdout, name


def test_a_malformed_variable_fails_dg_check_defs_naming_it(tmp_path: Path) -> None:
    checked = run([str(BIN / "dg"), "check", "defs"], clean_env(tmp_path, **BAD_START))
    assert checked.returncode != 0
    assert "REAL_ESTATE_PARTITIONS_START='not-a-date': expected a past day" in checked.stdout + checked.stderr


def test_a_malformed_variable_fails_the_load_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_ESTATE_MAX_DROP_MB", "lots")
    with pytest.raises(ConfigurationError, match="REAL_ESTATE_MAX_DROP_MB='lots': expected a whole number"):
        definitions.defs()


def test_every_module_imports_with_a_malformed_variable_set(tmp_path: Path) -> None:
    modules = sorted(
        module.name for module in pkgutil.walk_packages(real_estate.__path__, prefix="real_estate.")
    )
    assert "real_estate.definitions" in modules and "real_estate.assets.bronze" in modules
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\nprint('ok')"
    imported = run([sys.executable, "-c", code, *modules], clean_env(tmp_path, **BAD_START))
    assert imported.returncode == 0 and imported.stdout.strip() == "ok", imported.stderr[-2000:]


def test_the_partitions_start_where_the_loading_process_says(monkeypatch: pytest.MonkeyPatch) -> None:
    def first_days() -> set[str]:
        defs = definitions.defs()
        graph = defs.resolve_asset_graph()
        partitioned = [graph.get(key).partitions_def for key in graph.get_all_asset_keys()]
        jobs = [defs.resolve_job_def(name).partitions_def for name in ("refresh_parks", "ingest_house_sales")]
        return {partitions.get_first_partition_key() for partitions in partitioned + jobs if partitions}

    monkeypatch.delenv("REAL_ESTATE_PARTITIONS_START", raising=False)
    assert first_days() == {"2026-01-01"}
    monkeypatch.setenv("REAL_ESTATE_PARTITIONS_START", "2014-05-02")
    assert first_days() == {"2014-05-02"}
