"""Fault knobs shared by both sandboxes, so tests can make the APIs misbehave on purpose."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

import httpx
from starlette.requests import Request as AppRequest
from starlette.types import Message

from cin7_shopify.sandbox.asgi import RequestApp

ThrottleShape = Literal["429", "503", "400", "403"]


@dataclass
class Faults:
    """Each counter answers that many of the next calls with the fault, then clears itself."""

    throttle_next: int = 0
    server_error_next: int = 0
    server_error_status: int = 500
    timeout_next: int = 0  # the server does the work, then the answer is lost
    malformed_next: int = 0
    error_in_200_next: int = 0  # Cin7: an ErrorCode array inside an HTTP 200, as Cin7 sometimes answers
    drop_next: int = 0  # the connection drops before the server sees the call
    # The server does the work, then answers 500: Cin7 documents 500 as "an unexpected error while
    # processing" (APIB:L123) without saying whether the write was kept [U]; emulate the worst case.
    server_error_after_work_next: int = 0
    server_error_after_work_on: str | None = None  # once, on the first call like "POST /sale"
    # Shopify: inventorySetQuantities answers a user error that names no quantity (nothing applied).
    # The 2026-10 enum InventorySetQuantitiesUserErrorCode has IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED
    # ("Retry with a new idempotency key") and IDEMPOTENCY_CONCURRENT_REQUEST ("please try again").
    stock_user_error_next: int = 0
    stock_user_error_code: str = "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"
    # Chaos: this share of calls, drawn at random (seeded), is throttled, fails with a 5xx, or loses its answer.
    chaos_rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    log: list[str] = field(default_factory=list)

    def take(self, name: str) -> bool:
        count = getattr(self, name)
        if count > 0:
            setattr(self, name, count - 1)
            self.log.append(name)
            return True
        return False

    def chaos(self, *, after_work: bool) -> str | None:
        """The fault chaos picks for this call: before the work (throttle, 5xx) or after it (lost answer)."""
        if self.chaos_rate <= 0 or self.rng.random() >= self.chaos_rate / 2:
            return None
        if after_work:
            self.log.append("chaos_timeout")
            return "timeout"
        fault = self.rng.choice(["throttle", "server_error"])
        self.log.append(f"chaos_{fault}")
        return fault


class FaultyTransport(httpx.AsyncBaseTransport):
    """In-process transport to a sandbox app that can lose answers or drop connections."""

    def __init__(self, app: object, faults: Faults, base_url: str = "http://sandbox") -> None:
        self._app = app if isinstance(app, RequestApp) else None
        self._inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.faults = faults

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        """The sandbox's answer to one request, as its ASGI entry would send it.

        A sandbox answers through `RequestApp.handle` (a request in, a whole response out); here the request
        is handed to it with the scope `httpx.ASGITransport` builds, and its response's status, headers and
        body become the answer, without the ASGI send and receive around them (the HTTP server's path,
        `sandbox serve`, still takes them). Another app goes through ASGI as before."""
        app = self._app
        if app is None:
            return await self._inner.handle_async_request(request)
        body = await request.aread()
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port),
            "client": ("127.0.0.1", 123),
            "root_path": "",
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        answer = await app.handle(AppRequest(scope, receive))
        return _read_response(answer.status_code, answer.raw_headers, bytes(answer.body))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.faults.take("drop_next"):
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        response = await self._answer(request)
        wanted = self.faults.server_error_after_work_on
        aimed = wanted is not None and f"{request.method} {request.url.path}".lower().endswith(wanted.lower())
        if aimed:
            self.faults.server_error_after_work_on = None
            self.faults.log.append(f"server_error_after_work {wanted}")
        if aimed or self.faults.take("server_error_after_work_next"):
            await response.aread()
            body = [{"ErrorCode": 500, "Exception": "An unexpected error occurred while processing the request."}]
            return httpx.Response(500, json=body, request=request)
        if self.faults.take("timeout_next") or self.faults.chaos(after_work=True):
            await response.aread()
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _read_response(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> httpx.Response:
    """`httpx.Response(status, headers=headers, content=body)`, read, as it leaves its constructor, without
    passing the body through httpx's decoders and chunker on the way in: the sandboxes set no
    Content-Encoding, so the content is the body as it is (16 us of CPU a call; httpx is pinned below 0.29).
    An answer with a Content-Encoding, or without the Content-Length httpx would add, is built as before."""
    names = {name.lower() for name, _ in headers}
    if b"content-encoding" in names or b"content-length" not in names:
        return httpx.Response(status, headers=headers, content=body)
    response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))
    response._content = body
    response.is_stream_consumed = True
    response.is_closed = True
    return response
