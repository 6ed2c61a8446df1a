"""MLflow tracking and model registry, as a thin resource over plain `mlflow`.

`mlflow` is imported only when a method runs: it costs about a second, which definitions load
(every UI reload, every run) should not pay.

No process-wide MLflow state outlives a call. Every call that MLflow's client offers goes through
an `MlflowClient` given the URIs explicitly. Logging a model (which needs MLflow's active run) and
loading one by its `models:/` URI exist only in MLflow's fluent API, which reads the process-wide
tracking and registry URIs: those two calls run inside `fluent_store`, which sets the URIs for the
block and puts back exactly what was there before (the module values and the variables alike).
"""

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import dagster as dg

if TYPE_CHECKING:
    import pandas as pd
    from lightgbm import LGBMRegressor
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

# A URL: its scheme, then everything up to whitespace. Its credentials are all before the last `@`
# (a password may hold `/`, `@` or `?`); any query or fragment value, and any bare query token
# (`?abc123token`), may be a secret.
URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>\S+)")
PARAMETER = re.compile(r"(?P<mark>[?&;#])(?P<name>[^=&;#\s]*=)?(?P<value>[^&;#\s]*)")
MASK = "***"
# MLflow's own variables for a tracking server's basic-auth credentials, and for its URIs.
USERNAME_VARIABLE = "MLFLOW_TRACKING_USERNAME"
PASSWORD_VARIABLE = "MLFLOW_TRACKING_PASSWORD"
TRACKING_URI_VARIABLE = "MLFLOW_TRACKING_URI"
REGISTRY_URI_VARIABLE = "MLFLOW_REGISTRY_URI"
CHAMPION = "champion"
CHALLENGER = "challenger"
FEATURE_PROFILE_ARTIFACT = "feature_profile.json"
RUNTIME_PACKAGES = ("lightgbm", "scikit-learn", "pandas", "numpy")


@dataclass(frozen=True)
class TrainingRun:
    """Everything one training run logs."""

    run_name: str
    tags: dict[str, str]
    params: dict[str, Any]
    metrics: dict[str, float]
    dicts: dict[str, Any]
    figures: dict[str, Any]
    model: "LGBMRegressor"
    input_example: "pd.DataFrame"


def _redact_parameter(match: re.Match[str]) -> str:
    if match["name"] is None and (match["mark"] == "#" or not match["value"]):
        return match[0]  # a bare fragment (`#/experiments/1`) is a place in a page, not a secret
    return match["mark"] + (match["name"] or "") + MASK


def _redact_url(match: re.Match[str]) -> str:
    rest = match["rest"]
    at = rest.rfind("@")
    if at >= 0:
        rest = MASK + rest[at:]
    return match["scheme"] + PARAMETER.sub(_redact_parameter, rest)


def redact_credentials(text: str) -> str:
    """`text` with each URL's `user:password@` part, query and fragment values replaced by `***`.

    Errs on the side of hiding: a URL with an `@` in its path loses everything before it.
    """
    return URL.sub(_redact_url, text)


class MlflowError(RuntimeError):
    """An MLflow call failed; the message has every URL's credentials masked."""


@dataclass(frozen=True)
class TrackingAddress:
    """A tracking URI as MLflow may hold (and print) it, and the credentials it sends apart."""

    uri: str
    username: str = ""
    password: str = ""

    def credentials(self) -> dict[str, str]:
        """MLflow's credential variables, when the URI carried any."""
        if not (self.username or self.password):
            return {}
        return {USERNAME_VARIABLE: self.username, PASSWORD_VARIABLE: self.password}


def tracking_address(uri: str) -> TrackingAddress:
    """A tracking server's URI without `user:password@` (split at the last `@`, as redaction does),
    and those credentials URL-decoded. Other stores (sqlite, a database URL) keep the URI whole:
    their driver reads the credentials from it, and MLflow prints no link for them."""
    scheme, separator, rest = uri.partition("://")
    at = rest.rfind("@")
    if scheme not in ("http", "https") or not separator or at < 0:
        return TrackingAddress(uri)
    username, _, password = rest[:at].partition(":")
    return TrackingAddress(f"{scheme}://{rest[at + 1 :]}", unquote(username), unquote(password))


@contextmanager
def _restored_environment(names: Iterable[str]) -> Iterator[None]:
    """The environment variables `names` put back as they were after the block, unset included."""
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def scoped_environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in the environment for the block only; the previous values back afterwards."""
    with _restored_environment(values):
        os.environ.update(values)
        yield


@contextmanager
def fluent_store(uri: str) -> Iterator[None]:
    """MLflow's process-wide tracking and registry URIs set to `uri` for the block only.

    `mlflow.set_tracking_uri` also exports `MLFLOW_TRACKING_URI` (and the registry's, its own
    variable): both the module values and the variables are put back as they were, unset included.
    """
    import mlflow
    from mlflow.tracking._model_registry import utils as registry_state
    from mlflow.tracking._tracking_service import utils as tracking_state

    saved = (tracking_state._tracking_uri, registry_state._registry_uri)
    with _restored_environment((TRACKING_URI_VARIABLE, REGISTRY_URI_VARIABLE)):
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        try:
            yield
        finally:
            mlflow.set_tracking_uri(saved[0])
            registry_state._registry_uri = saved[1]  # set_registry_uri(None) would leave its variable set


class MlflowResource(dg.ConfigurableResource):
    """Where runs are tracked, artifacts stored and model versions registered.

    MLflow is only ever given the tracking URI without credentials: they reach it as its own
    `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`, set for each call and restored after.
    So no MLflow message (the run links it prints, its errors) can carry the password, and every
    error is raised again as `MlflowError`, masked, without the original chained to it.
    """

    tracking_uri: str
    artifacts_url: str
    experiment_name: str = "real_estate_price"
    model_name: str = "real_estate_price"

    @contextmanager
    def _mlflow(self, fluent: bool = False) -> Iterator["MlflowClient"]:
        """A client bound to the credential-free tracking URI; errors re-raised masked.

        `fluent`: MLflow's process-wide URIs point at the store too, for the block only.
        """
        from mlflow import MlflowClient

        address = tracking_address(self.tracking_uri)
        try:
            with scoped_environment(address.credentials()):
                client = MlflowClient(tracking_uri=address.uri, registry_uri=address.uri)
                if not fluent:
                    yield client
                    return
                with fluent_store(address.uri):
                    yield client
        except Exception as error:  # noqa: BLE001 (any error's text may hold the URI)
            raise MlflowError(redact_credentials(f"{type(error).__name__}: {error}")) from None

    def unavailable_reason(self) -> str | None:
        """None when the tracking store answers; else why not, naming it (without credentials)."""
        try:
            with self._mlflow() as client:
                client.search_experiments(max_results=1)
        except MlflowError as error:
            first_line = str(error).strip().splitlines()[0]
            where = redact_credentials(self.tracking_uri)
            return f"the MLflow store at {where} is unavailable: {first_line[:300]}"
        return None

    def _experiment_id(self, client: "MlflowClient") -> str:
        experiment = client.get_experiment_by_name(self.experiment_name)
        if experiment is not None:
            return experiment.experiment_id
        return client.create_experiment(self.experiment_name, artifact_location=self.artifacts_url)

    def experiment_id(self) -> str:
        """The experiment's id, created with an explicit artifact location on first use."""
        with self._mlflow() as client:
            return self._experiment_id(client)

    def log_and_register(self, run: TrainingRun) -> "ModelVersion":
        """Log a training run and register its model as a new version."""
        import mlflow
        from mlflow.models import infer_signature

        with self._mlflow(fluent=True) as client:
            experiment_id = self._experiment_id(client)
            with mlflow.start_run(experiment_id=experiment_id, run_name=run.run_name, tags=run.tags):
                mlflow.log_params(run.params)
                mlflow.log_metrics(run.metrics)
                for name, content in run.dicts.items():
                    mlflow.log_dict(content, name)
                for name, figure in run.figures.items():
                    mlflow.log_figure(figure, name)
                info = mlflow.lightgbm.log_model(
                    run.model,
                    name="model",
                    signature=infer_signature(run.input_example, run.model.predict(run.input_example)),
                    input_example=run.input_example,
                    # Stated, so MLflow need not infer them by loading the model in a subprocess.
                    pip_requirements=[f"{package}=={version(package)}" for package in RUNTIME_PACKAGES],
                    registered_model_name=self.model_name,
                )
            return client.get_model_version(self.model_name, str(info.registered_model_version))

    def alias_version(self, alias: str) -> "ModelVersion | None":
        """The registered model version holding `alias`, or None."""
        from mlflow.exceptions import MlflowException

        with self._mlflow() as client:
            try:
                return client.get_model_version_by_alias(self.model_name, alias)
            except MlflowException as error:
                if error.error_code == "RESOURCE_DOES_NOT_EXIST" or "not found" in str(error).lower():
                    return None
                raise

    def run_tag(self, run_id: str, key: str) -> str | None:
        """A tag of a tracked run, or None when it has none by that name."""
        with self._mlflow() as client:
            return client.get_run(run_id).data.tags.get(key)

    def set_alias(self, alias: str, model_version: int | str) -> None:
        with self._mlflow() as client:
            client.set_registered_model_alias(self.model_name, alias, model_version)

    def set_version_tag(self, model_version: int | str, key: str, value: str) -> None:
        """A tag on a registered version, shown on its page in the MLflow UI."""
        with self._mlflow() as client:
            client.set_model_version_tag(self.model_name, str(model_version), key, value)

    def load_model(self, model_version: int | str) -> "LGBMRegressor":
        """A registered version's LightGBM model."""
        import mlflow

        with self._mlflow(fluent=True):
            return mlflow.lightgbm.load_model(f"models:/{self.model_name}/{model_version}")

    def load_run_dict(self, run_id: str, artifact: str) -> dict[str, Any]:
        """A JSON artifact logged by a run."""
        with self._mlflow() as client, tempfile.TemporaryDirectory() as folder:
            return json.loads(Path(client.download_artifacts(run_id, artifact, folder)).read_text())

    def run_link(self, experiment_id: str, run_id: str) -> dg.MetadataValue:
        """A link to the run in the MLflow UI when the tracking server has one, else the run id."""
        address = tracking_address(self.tracking_uri)
        if address.uri.startswith(("http://", "https://")):
            # The server's address without credentials or query: a link never carries a secret.
            base = redact_credentials(address.uri).split("?")[0]
            return dg.MetadataValue.url(f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}")
        return dg.MetadataValue.text(run_id)
