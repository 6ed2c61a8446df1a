"""The Celery app a worker runs: `celery -A real_estate.celery_worker worker -Q dagster`.

It reads the same broker and result backend as the `celery` executor
(`REAL_ESTATE_CELERY_BROKER_URL`, `REAL_ESTATE_CELERY_BACKEND_URL`) and serves dagster-celery's
step task, so each step a run submits executes here against the shared lake and instance.
"""

import os

from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from real_estate.executors import CELERY_BACKEND_URL, CELERY_BROKER_URL

app = make_app({"broker": os.environ[CELERY_BROKER_URL], "backend": os.environ[CELERY_BACKEND_URL]})
execute_plan = create_task(app)
