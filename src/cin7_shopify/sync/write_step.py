"""The one way the sync writes to Cin7 Core or Shopify: intent, call, result, with a look-up on resume.

Every remote write goes through `WriteSteps.write`:
1. a write that went through before (its result is in the ledger) is not made again;
2. an intent left open (a crash, or an answer that may have been applied: a timeout, a lost
   connection, a 5xx) is first looked up on the remote side; if the write landed, its result is
   recorded and nothing is sent;
3. otherwise the intent is recorded durably, the call made, and its result recorded.
A refusal (the remote side said no, so nothing was written) closes the intent as failed, so the
next attempt writes afresh. An answer that may have been applied leaves it open for step 2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cin7_shopify.cin7.errors import Cin7ConnectionError, Cin7Error, Cin7RateLimited, Cin7ServerError
from cin7_shopify.shopify.errors import ShopifyConnectionError, ShopifyError, ShopifyServerError, ShopifyThrottled
from cin7_shopify.state.crash import CrashPoints
from cin7_shopify.state.ledger import Ledger

# Answers after which the write may or may not have been kept: look before writing again.
MAYBE_APPLIED: tuple[type[Exception], ...] = (
    Cin7ConnectionError,
    Cin7ServerError,
    Cin7RateLimited,
    ShopifyConnectionError,
    ShopifyServerError,
    ShopifyThrottled,
)

Result = dict[str, Any]


class WriteSteps:
    def __init__(self, ledger: Ledger, crash: CrashPoints) -> None:
        self.ledger = ledger
        self.crash = crash

    async def write(
        self,
        kind: str,
        subject: str,
        *,
        send: Callable[[], Awaitable[Result]],
        look_up: Callable[[], Awaitable[Result | None]] | None,
        detail: dict[str, Any] | None = None,
    ) -> Result:
        """Make the write `kind:subject` once. `send` makes it and returns what to keep of its answer;
        `look_up` finds what an earlier attempt left on the remote side (None: nothing landed). A write
        planned afresh each time under a key of its own (a stock batch) has no look-up: see supersede."""
        key = f"{kind}:{subject}"
        done = self.ledger.result_of(key)
        if done is not None:
            return done
        if self.ledger.is_pending(key) and look_up is not None:
            found = await look_up()
            if found is not None:
                self.ledger.finish(key, recovered=True, **found)
                return found
        self.ledger.begin(key, **(detail or {}))
        self.crash.hit(f"before {kind}")
        try:
            result = await send()
        except MAYBE_APPLIED:
            raise  # the intent stays open: the next attempt looks before it writes
        except (Cin7Error, ShopifyError):
            self.ledger.finish(key, failed=True)  # refused: nothing was written
            raise
        self.crash.hit(f"after {kind}")
        self.ledger.finish(key, **result)
        return result

    def supersede(self, kind: str) -> None:
        """Close the open intents of a kind whose next write is planned from fresh reads.

        A stock push is planned from the levels Shopify shows now and written compare-and-set, so an
        interrupted push can never be applied twice: reading afresh is its look-up.
        """
        for key in [k for k in self.ledger.pending if k.startswith(f"{kind}:")]:
            self.ledger.finish(key, superseded=True)
