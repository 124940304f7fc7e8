"""Workflows: a sub-workflow, a branch and a map task inside one parent."""

import typing

from flytekit import conditional, map_task, workflow

from example.tasks import double, greet, halve, total


@workflow
def double_sub(x: int) -> int:
    """Used as a sub-workflow node by `pipeline`."""
    return double(x=x)


@workflow
def pipeline(x: int = 3, name: str = "flyte", xs: typing.List[int] = [1, 2, 3]) -> typing.Tuple[int, str, int]:
    doubled = double_sub(x=x)
    branched = (
        conditional("size")
        .if_(doubled > 10)
        .then(halve(x=doubled))
        .else_()
        .then(double(x=doubled))
    )
    mapped = map_task(double)(x=xs)
    return branched, greet(name=name), total(xs=mapped)
