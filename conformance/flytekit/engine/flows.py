"""Workflows the local engine runs in the conformance tests (pyflyte run --remote --wait)."""

import typing

from flytekit import LaunchPlan, conditional, dynamic, map_task, task, workflow
from flytekit.exceptions.user import FlyteRecoverableException


@task
def add_one(x: int) -> int:
    return x + 1


@task
def double(x: int) -> int:
    return x * 2


@workflow
def chain(x: int = 1) -> int:
    return double(x=add_one(x=x))


@task
def positive() -> str:
    return "positive"


@task
def not_positive() -> str:
    return "not positive"


@workflow
def branchy(x: int = 1) -> str:
    return conditional("sign").if_(x > 0).then(positive()).else_().then(not_positive())


@task
def square(x: int) -> int:
    return x * x


@workflow
def mapped(xs: typing.List[int] = [1, 2, 3]) -> typing.List[int]:
    return map_task(square)(x=xs)


@dynamic
def squares(n: int) -> typing.List[int]:
    return [square(x=i) for i in range(n)]


@workflow
def dyn(n: int = 3) -> typing.List[int]:
    return squares(n=n)


@workflow
def inner(x: int) -> int:
    return add_one(x=x)


@workflow
def outer(x: int = 1) -> int:
    return inner(x=double(x=x))


inner_lp = LaunchPlan.get_or_create(inner, name="engine_inner_lp")


@workflow
def with_lp(x: int = 2) -> int:
    return inner_lp(x=x)


@task(cache=True, cache_version="1")
def cached_stamp(x: int) -> str:
    import time

    return f"{x}@{time.time_ns()}"


@workflow
def cached(x: int = 4) -> str:
    return cached_stamp(x=x)


@task(retries=2)
def flaky(x: int) -> int:
    if x > 0:
        raise FlyteRecoverableException(f"boom {x}")
    return x


@workflow
def failing(x: int = 1) -> int:
    return flaky(x=x)


@task
def nap(seconds: int) -> int:
    import time

    time.sleep(seconds)
    return seconds


@workflow
def sleepy(seconds: int = 60) -> int:
    return nap(seconds=seconds)
