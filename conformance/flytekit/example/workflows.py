"""Workflows: a sub-workflow and a branch inside `pipeline`, a map task inside `mapped`.

The map task has a workflow of its own because flytectl v0.9.8 cannot render
array nodes (`get workflow -o dot` dereferences a nil graph node for them).
"""

import typing

from flytekit import conditional, map_task, workflow

from example.tasks import double, greet, halve, total


@workflow
def double_sub(x: int) -> int:
    """Used as a sub-workflow node by `pipeline`."""
    return double(x=x)


@workflow
def pipeline(x: int = 3, name: str = "flyte") -> typing.Tuple[int, str]:
    doubled = double_sub(x=x)
    branched = (
        conditional("size")
        .if_(doubled > 10)
        .then(halve(x=doubled))
        .else_()
        .then(double(x=doubled))
    )
    return branched, greet(name=name)


@workflow
def mapped(xs: typing.List[int] = [1, 2, 3]) -> int:
    return total(xs=map_task(double)(x=xs))
