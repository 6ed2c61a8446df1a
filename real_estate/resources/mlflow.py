"""MLflow tracking and model registry, as a thin resource over plain `mlflow`.

`mlflow` is imported only when a method runs: it costs about a second, which definitions load
(every UI reload, every run) should not pay.
"""

from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from mlflow import MlflowClient

CHAMPION = "champion"
CHALLENGER = "challenger"


class MlflowResource(dg.ConfigurableResource):
    """Where runs are tracked, artifacts stored and model versions registered."""

    tracking_uri: str
    artifacts_url: str
    experiment_name: str = "real_estate_price"
    model_name: str = "real_estate_price"

    def client(self) -> "MlflowClient":
        """A registry client bound to the tracking URI."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        return mlflow.MlflowClient(tracking_uri=self.tracking_uri)

    def experiment_id(self) -> str:
        """The experiment's id, created with an explicit artifact location on first use."""
        client = self.client()
        experiment = client.get_experiment_by_name(self.experiment_name)
        if experiment is not None:
            return experiment.experiment_id
        return client.create_experiment(self.experiment_name, artifact_location=self.artifacts_url)

    def alias_version(self, alias: str):
        """The registered model version holding `alias`, or None."""
        from mlflow.exceptions import MlflowException

        try:
            return self.client().get_model_version_by_alias(self.model_name, alias)
        except MlflowException:
            return None

    def model_uri(self, alias: str) -> str:
        return f"models:/{self.model_name}@{alias}"
