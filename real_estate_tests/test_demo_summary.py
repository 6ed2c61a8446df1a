"""What `make demo` reads back from the instance: the run it launched, whatever else ran meanwhile."""

import datetime as dt

import dagster as dg

from real_estate.demo_summary import launched_run, partition_run_ids

DAY = dt.date(2026, 4, 10)


def add_run(instance: dg.DagsterInstance, day: dt.date, **tags: str) -> str:
    run = dg.DagsterRun(job_name="__ASSET_JOB", tags={"dagster/partition": day.isoformat(), **tags})
    return instance.add_run(run).run_id


def test_the_run_the_demo_launched_is_found_among_others_of_the_day(instance: dg.DagsterInstance) -> None:
    earlier = add_run(instance, DAY)
    before = partition_run_ids(instance, DAY)

    launched = add_run(instance, DAY)
    add_run(instance, DAY, **{"dagster/sensor_name": "landing_house_sales"})
    add_run(instance, DAY + dt.timedelta(days=1))

    assert earlier in before
    found = launched_run(instance, DAY, before)
    assert found is not None and found.run_id == launched


def test_no_run_when_the_launch_never_created_one(instance: dg.DagsterInstance) -> None:
    add_run(instance, DAY)
    before = partition_run_ids(instance, DAY)
    add_run(instance, DAY, **{"dagster/backfill": "abc"})

    assert launched_run(instance, DAY, before) is None
