"""What went wrong on the network, in words a consultant can act on (DNS, TLS, refused, timeout)."""

from __future__ import annotations

import functools
import json
import os
import ssl
from typing import Any

import httpx
import orjson

_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "getaddrinfo failed",
    "no address associated",
    "name resolution",
)


def describe_transport_error(exc: httpx.TransportError) -> str:
    """One phrase naming the cause: the host could not be found, TLS failed, refused, or no answer in time."""
    host = exc.request.url.host if _has_request(exc) else "the server"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {host} in time"
    chain = _chain_text(exc)
    if any(word in chain for word in _DNS_WORDS):
        return f"the host {host} could not be found (DNS): check the address"
    if "certificate" in chain or "ssl" in chain or "tls" in chain or _has_ssl_error(exc):
        return f"the secure connection (TLS) to {host} failed: check the address, or a proxy in the way"
    if "connection refused" in chain or "errno 111" in chain:
        return f"{host} refused the connection: is the service (or the sandbox) running on that port?"
    return f"could not connect to {host} ({type(exc).__name__})"


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when the error carries no request
    except RuntimeError:
        return False
    return True


def _chain_text(exc: BaseException) -> str:
    parts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__} {current}")
        current = current.__cause__ or current.__context__
    return " ".join(parts).lower()


def _has_ssl_error(exc: BaseException) -> bool:
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ssl.SSLError):
            return True
        current = current.__cause__ or current.__context__
    return False


@functools.lru_cache(maxsize=1024)
def parsed_url(text: str) -> httpx.URL:
    """`httpx.URL(text)`, parsed once for the many calls that go to the same URL (a page of a list, the
    GraphQL endpoint): httpx checks and quotes each character of it again for every request it builds."""
    return httpx.URL(text)


_SET_BY_HTTPX = ("Host", "Content-Length", "Transfer-Encoding")


def build_request(
    method: str, url: httpx.URL, headers: httpx.Headers, content: bytes | None, extensions: dict[str, Any]
) -> httpx.Request:
    """`httpx.Request(method, url, headers=headers, content=content, extensions=extensions)`, the same request
    (the same headers in the same order, the body read), with the two headers httpx adds written here: it
    encoded the body, looked for a multipart boundary and rebuilt the headers twice to add them (29 -> 8 us of
    CPU a call). Headers that already name one of them are left to httpx."""
    if not url.host or any(name in headers for name in _SET_BY_HTTPX):
        return httpx.Request(method, url, headers=headers, content=content, extensions=extensions)
    host = (b"Host", url.netloc)
    if content:
        raw = [host, *headers.raw, (b"Content-Length", str(len(content)).encode())]
    elif method.upper() in ("POST", "PUT", "PATCH"):
        raw = [host, (b"Content-Length", b"0"), *headers.raw]
    else:
        raw = [host, *headers.raw]
    request = httpx.Request(method, url, headers=raw, stream=httpx.ByteStream(content or b""), extensions=extensions)
    request.read()
    return request


async def send(http: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None = None) -> httpx.Response:
    """`http.send(request, auth=auth)` for an API client: the request, through `auth`'s flow, to the
    transport the client picks for its URL (its pool, or the proxy the environment names), each answer
    read whole. What httpx's send does besides, these clients do without: redirects (off in httpx by
    default) and a cookie jar (neither API keeps a session in cookies; the jar re-parsed every answer's URL
    to look). A call to the in-process sandbox: Cin7 0.48 -> 0.32 ms CPU, Shopify 0.49 -> 0.42 ms."""
    if http.is_closed:
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    if auth is None:
        return await _send_one(http, request)
    flow = auth.async_auth_flow(request)
    try:
        request = await flow.__anext__()
        while True:
            response = await _send_one(http, request)
            try:
                request = await flow.asend(response)
            except StopAsyncIteration:
                return response
    finally:
        await flow.aclose()


async def _send_one(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    # The transport AsyncClient.send would use (httpx is pinned below 0.29, where this is how it picks one).
    transport = http._transport_for_url(request.url)
    try:
        response = await transport.handle_async_request(request)
    except httpx.RequestError as exc:
        exc.request = request  # as httpx's send: the error names the host it was sending to
        raise
    response.request = request
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
    return response


def tls_context() -> ssl.SSLContext:
    """The context httpx would build for a client (certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR), built
    once a process: loading the roots costs 30-90 ms of CPU, and every store session makes two clients."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()  # reads the same two variables itself


_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_NINETEEN_DIGITS = b"0" * 19


UNREAD = object()  # what quick_json answers for a body it leaves to the stdlib


def quick_json(raw: bytes) -> Any:
    """`json.loads(raw)`'s value where orjson reads `raw` exactly as the stdlib would, else UNREAD (then
    the stdlib reads or refuses it, as it always did). orjson is 2.4x faster on the sandboxes' answers, and
    an answer is parsed once per call (~23,000 calls in the tests).

    orjson refuses what the stdlib reads and JSON has not (NaN, Infinity, 1e400, a lone surrogate's
    escape, a UTF-8 BOM, UTF-16 or UTF-32 text): UNREAD. It reads an integer past 64 bits as a float, so a
    body with 19 digits in a row (an integer that long, or a long run of digits in a string) is UNREAD too."""
    if _NINETEEN_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return UNREAD
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return UNREAD


def json_loads(raw: bytes) -> Any:
    """`json.loads(raw)`: the same value, or the same ValueError, through `quick_json` where it can."""
    value = quick_json(raw)
    return json.loads(raw) if value is UNREAD else value
