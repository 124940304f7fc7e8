"""Plain Python tasks (container tasks once registered)."""

import typing

from flytekit import Resources, task


@task(requests=Resources(cpu="100m", mem="64Mi"), limits=Resources(cpu="200m", mem="128Mi"))
def double(x: int) -> int:
    return 2 * x


@task
def greet(name: str, times: int = 1) -> str:
    return ", ".join([f"hello {name}"] * times)


@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)


@task
def halve(x: int) -> int:
    return x // 2
