"""The Celery app a worker runs: `celery -A real_estate.celery_worker worker -Q dagster`.

It reads the same broker and result backend as the `celery` executor
(`REAL_ESTATE_CELERY_BROKER_URL`, `REAL_ESTATE_CELERY_BACKEND_URL`) and serves dagster-celery's
step task, so each step a run submits executes here against the shared lake and instance.
The app is built when Celery asks this module for `app`, not on import: importing it reads no
environment.
"""

import functools
import os

from celery import Celery
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from real_estate.deployment import ConfigurationError
from real_estate.executors import CELERY_BACKEND_URL, CELERY_BROKER_URL


@functools.cache
def worker_app() -> Celery:
    """The worker's app, with dagster-celery's step task registered on it."""
    unset = [name for name in (CELERY_BROKER_URL, CELERY_BACKEND_URL) if not os.environ.get(name)]
    if unset:
        raise ConfigurationError("a Celery worker needs these variables set: " + ", ".join(unset))
    app = make_app({"broker": os.environ[CELERY_BROKER_URL], "backend": os.environ[CELERY_BACKEND_URL]})
    create_task(app)
    return app


def __getattr__(name: str) -> Celery:
    # `celery -A real_estate.celery_worker` looks up `app` on the module (PEP 562).
    if name == "app":
        return worker_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
