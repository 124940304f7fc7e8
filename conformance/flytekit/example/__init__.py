"""A small Flyte project that the conformance tests register against flyteadmin-ts.

It covers the shapes registration must round-trip: plain tasks, a map task, a
workflow calling a sub-workflow and a branch, and launch plans with default
inputs, fixed inputs and a cron schedule.
"""
