"""How a run's steps execute, chosen per deployment by `REAL_ESTATE_EXECUTOR`.

- `in_process` (default): every step in the run's own process; fastest on one small machine.
- `multiprocess`: each step in its own child process, `REAL_ESTATE_MAX_CONCURRENT_STEPS` at a time.
- `celery`: each step is a task on a Celery broker (`REAL_ESTATE_CELERY_BROKER_URL`), run by any
  worker started with `celery -A real_estate.celery_worker worker -Q dagster`.

Steps share nothing but the datalake and the Dagster instance, so with the lake on S3 and the
instance on Postgres any worker on any machine can run any step of any partition.
"""

import dagster as dg

EXECUTORS = ("in_process", "multiprocess", "celery")
CELERY_BROKER_URL = "REAL_ESTATE_CELERY_BROKER_URL"
CELERY_BACKEND_URL = "REAL_ESTATE_CELERY_BACKEND_URL"


def build_executor(name: str, max_concurrent: int) -> dg.ExecutorDefinition:
    """The executor for a deployment; broker URLs are read from the environment at run time."""
    if name == "multiprocess":
        return dg.multiprocess_executor.configured({"max_concurrent": max_concurrent})
    if name == "celery":
        from dagster_celery import celery_executor

        return celery_executor.configured(
            {"broker": {"env": CELERY_BROKER_URL}, "backend": {"env": CELERY_BACKEND_URL}}
        )
    return dg.in_process_executor
