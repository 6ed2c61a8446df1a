"""The Dagster UI as a data engineer meets it: the GraphQL API and a real headless Chromium."""

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from real_estate_tests.conftest import local_env
from real_estate_tests.dagster_dev import BIN, project_copy, running_dagster_dev
from real_estate_tests.test_definitions import EXPECTED_CHECKS, EXPECTED_GRAPH

DAY = dt.date(2026, 11, 10)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "") if p and Path(p).exists()),
    None,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_copy(tmp_path_factory.mktemp("ui"))


@pytest.fixture(scope="module")
def ui(project: Path) -> Iterator[str]:
    """`dg dev` (what `make ui` runs) on an instance where the demo has materialized one partition."""
    env = local_env(project.parent) | {"DAGSTER_HOME": str(project)}
    demo = subprocess.run(
        [str(BIN / "real-estate-demo"), "--day", DAY.isoformat(), "--history-days", "2", "--rows", "120"],
        cwd=project,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    with running_dagster_dev(project, env) as url:
        yield url


def test_the_ui_starts_with_no_flags_and_no_warnings(ui: str, project: Path) -> None:
    log = (project / "dagster-dev.log").read_text()

    assert "Launching Dagster services" in log
    assert not [line for line in log.splitlines() if "warning" in line.lower()], log[-3000:]
    assert "Loaded environment variables from .env file: DAGSTER_HOME" in log
    assert (project / "data" / "dagster" / "storage").is_dir()  # the instance dagster.yaml names


def graphql(url: str, query: str) -> dict:
    response = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_graphql_lists_every_asset_with_group_description_and_checks(ui: str) -> None:
    data = graphql(
        ui,
        """{ assetNodes { assetKey { path } groupName description
             assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }""",
    )

    nodes = {"/".join(node["assetKey"]["path"]): node for node in data["assetNodes"]}
    assert {key: node["groupName"] for key, node in nodes.items()} == {
        key: group for key, (group, _) in EXPECTED_GRAPH.items()
    }
    assert all(node["description"] for node in nodes.values())
    checks = {
        f"{key}:{check['name']}"
        for key, node in nodes.items()
        for check in node["assetChecksOrError"]["checks"]
    }
    assert checks == EXPECTED_CHECKS


def test_graphql_shows_the_materialized_partition_with_its_row_count(ui: str) -> None:
    data = graphql(
        ui,
        """{ assetOrError(assetKey: {path: ["silver", "house_sales"]}) { ... on Asset {
             assetMaterializations(limit: 1) { partition metadataEntries {
               label ... on IntMetadataEntry { intValue } } } } } }""",
    )

    [materialization] = data["assetOrError"]["assetMaterializations"]
    assert materialization["partition"] == DAY.isoformat()
    entries = {entry["label"]: entry.get("intValue") for entry in materialization["metadataEntries"]}
    assert entries["dagster/row_count"] == 119 and entries["rows_rejected"] == 1


def test_graphql_shows_the_model_page_with_numeric_metrics_and_inline_charts(ui: str) -> None:
    data = graphql(
        ui,
        """{ assetOrError(assetKey: {path: ["ml", "price_model"]}) { ... on Asset {
             definition { partitionDefinition { description } }
             assetMaterializations(limit: 1) { partition metadataEntries {
               label __typename ... on FloatMetadataEntry { floatValue }
               ... on MarkdownMetadataEntry { mdStr } } } } } }""",
    )

    asset = data["assetOrError"]
    assert asset["definition"]["partitionDefinition"] is None
    [materialization] = asset["assetMaterializations"]
    assert materialization["partition"] is None
    entries = {entry["label"]: entry for entry in materialization["metadataEntries"]}
    for name in ("holdout_rmse_usd", "holdout_mae_usd", "holdout_mape_pct", "holdout_r2"):
        assert entries[name]["__typename"] == "FloatMetadataEntry", name
    assert "| RMSE | $" in entries["comparison"]["mdStr"]
    for chart in ("feature_importance", "predicted_vs_actual"):
        assert "](data:image/png;base64," in entries[chart]["mdStr"], chart


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package: chromium)")
def test_browser_shows_the_grouped_graph_and_a_materialized_asset(ui: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
            viewport={"width": 1600, "height": 1000},
        )
        page = browser.new_page()
        page.goto(f"{ui}/asset-groups", wait_until="networkidle")
        skip = page.get_by_role("button", name="Skip")
        if skip.is_visible():
            skip.click()  # Dagster's one-time "join the community" dialog
        for group in ("bronze", "silver", "gold", "warehouse", "ml"):
            expect(page.get_by_text(group, exact=True).first).to_be_visible(timeout=30_000)
        page.screenshot(path=ARTIFACTS / "asset-graph.png", full_page=True)

        page.goto(f"{ui}/assets/silver/house_sales", wait_until="networkidle")
        expect(page.get_by_text("typed, one row per house id").first).to_be_visible(timeout=30_000)
        expect(
            page.get_by_text("dagster/row_count").first.or_(page.get_by_text("Row count").first)
        ).to_be_visible()
        page.screenshot(path=ARTIFACTS / "silver-house-sales.png", full_page=True)

        page.goto(f"{ui}/assets/silver/house_sales?view=checks", wait_until="networkidle")
        expect(page.get_by_text("rejected_share_within_threshold").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Passed").or_(page.get_by_text("Succeeded")).first).to_be_visible()
        page.screenshot(path=ARTIFACTS / "silver-house-sales-checks.png", full_page=True)

        page.goto(f"{ui}/assets/ml/price_model?view=events", wait_until="networkidle")
        row = page.locator("tr", has_text="feature_importance").last
        row.get_by_text("[Show Markdown]").click(timeout=30_000)  # how the UI opens markdown metadata
        chart = page.locator('img[src^="data:image/png;base64,"]').first
        expect(chart).to_be_visible(timeout=30_000)
        assert chart.evaluate("image => image.naturalWidth") > 0  # the PNG decoded
        page.screenshot(path=ARTIFACTS / "ml-price-model.png", full_page=True)
        browser.close()
