"""Launch plans besides the default one of each workflow."""

from flytekit import CronSchedule, LaunchPlan

from example.workflows import pipeline

pipeline_defaults = LaunchPlan.get_or_create(
    workflow=pipeline,
    name="pipeline_defaults",
    default_inputs={"x": 7},
    fixed_inputs={"name": "conformance"},
)

pipeline_nightly = LaunchPlan.get_or_create(
    workflow=pipeline,
    name="pipeline_nightly",
    default_inputs={"x": 1},
    schedule=CronSchedule(schedule="0 2 * * *"),
)
