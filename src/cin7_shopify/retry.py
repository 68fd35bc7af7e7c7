"""The retry policy both API clients use: tenacity, sleeping on the client's clock (simulated in tests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from cin7_shopify.clock import Clock

T = TypeVar("T")


def retry_policy(
    *,
    retries: int,
    clock: Clock,
    wait: Callable[[RetryCallState], float],
    retry_on: type[BaseException],
    on_retry: Callable[[RetryCallState], None],
) -> AsyncRetrying:
    """Up to `retries` more attempts after a `retry_on` exception, waiting as `wait` says on `clock`;
    the last `retry_on` is re-raised for the client to turn into its final error."""
    return AsyncRetrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait,
        retry=retry_if_exception_type(retry_on),
        sleep=clock.sleep,
        before_sleep=on_retry,
        reraise=True,
    )


async def with_retries(
    attempt: Callable[[int], Awaitable[T]],
    *,
    retries: int,
    clock: Clock,
    wait: Callable[[RetryCallState], float],
    retry_on: type[BaseException],
    on_retry: Callable[[RetryCallState], None],
) -> T:
    """`await attempt(n)` for n = 1, 2, … as `retry_policy` retries it. The first try is made without
    tenacity (its loop costs ~45 µs of CPU a call, as much as a call to the in-process sandbox); when it
    fails with `retry_on`, tenacity takes over with that failure as its own first attempt, so the waits,
    the `on_retry` calls and the attempts that follow are the ones it always made."""
    try:
        return await attempt(1)
    except retry_on as error:
        first: BaseException | None = error
    retrying = retry_policy(retries=retries, clock=clock, wait=wait, retry_on=retry_on, on_retry=on_retry)
    async for each in retrying:
        with each:
            if first is not None:
                failed, first = first, None
                raise failed
            return await attempt(each.retry_state.attempt_number)
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
