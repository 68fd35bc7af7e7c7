"""The retry policy both API clients use: tenacity, sleeping on the client's clock (simulated in tests)."""

from __future__ import annotations

from collections.abc import Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from cin7_shopify.clock import Clock


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
