"""The wire stays what it was with orjson in the way: the sandboxes answer the very bytes starlette's
JSONResponse wrote (or refuse what it refused), and the clients read an answer as `json.loads` read it,
including what orjson alone would write or read differently (NaN, integers past 64 bits, keys that are
not text, lone surrogates, 1e-05, a BOM)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import JSONResponse

from cin7_shopify.net import build_request, json_loads
from cin7_shopify.sandbox.asgi import json_bytes, request_path
from cin7_shopify.sandbox.session import SandboxSession

_STARLETTE = JSONResponse(None)

ODD_TEXT = st.sampled_from(
    ["\ud800", "a\udfffb", "\u2028\u2029", "\x00\x1f\x7f", "é😀", '/\\"', "12345678901234567890"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: past 64 bits too
    | st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30])
    | st.floats()  # NaN, infinities, subnormals
    | st.sampled_from([float("nan"), float("inf"), float("-inf")])
    | st.sampled_from([1e-05, -1.5e-07, 9.99e-06, 1e16, 1e-10, 5e-324, -0.0])
    | st.text()
    | ODD_TEXT
)
KEYS = st.text() | ODD_TEXT | st.integers() | st.none() | st.booleans() | st.floats()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def _outcome(write: Any, value: Any) -> tuple[str, Any]:
    try:
        return "wrote", write(value)
    except Exception as exc:  # the kind of refusal is what is compared
        return "refused", type(exc)


# Hypothesis's default 100 examples a run: each run draws new ones (no fixed seed), and 300 cost 1.1-1.3 s of
# CPU a property, as much as the faster wire saves in the whole suite.
@settings(max_examples=100, deadline=None)
@given(VALUES)
def test_the_sandboxes_answer_the_bytes_starlette_wrote_or_refuse_what_it_refused(value: Any) -> None:
    assert _outcome(json_bytes, value) == _outcome(_STARLETTE.render, value)


def _read(read: Any, raw: bytes) -> tuple[str, str]:
    try:
        return "read", repr(read(raw))  # repr: 1 and 1.0, and NaN, told apart
    except ValueError as exc:
        return "refused", str(exc)


@settings(max_examples=100, deadline=None)
@given(VALUES, st.booleans())
def test_the_clients_read_any_answer_as_json_loads_did(value: Any, ascii_only: bool) -> None:
    try:
        text = json.dumps(value, ensure_ascii=ascii_only)  # NaN and Infinity written as Python writes them
    except (TypeError, ValueError):
        return
    raw = text.encode("utf-8", "surrogatepass")
    assert _read(json_loads, raw) == _read(json.loads, raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"Total": NaN, "Page": Infinity, "x": -Infinity}',
        b'{"Total": 1e400}',
        b'{"ID": 123456789012345678901234567890, "n": -9223372036854775809, "m": 18446744073709551616}',
        b'{"Name": "\\ud800"}',
        b'\xef\xbb\xbf{"Total": 1}',  # a UTF-8 BOM
        '{"Total": 1}'.encode("utf-16"),
        b'{"Total": 3, "Page": 1, "Products": [{"ID": "',  # cut short
        b"<!DOCTYPE html><html></html>",
        b'{"a": 1, "a": 2}',
        b"",
    ],
)
def test_answers_orjson_reads_differently_or_not_at_all_read_as_before(raw: bytes) -> None:
    assert _read(json_loads, raw) == _read(json.loads, raw)


async def test_a_cin7_record_with_values_orjson_alone_would_change_reaches_the_client_unchanged(
    demo: SandboxSession,
) -> None:
    odd = {
        "BigInteger": 2**70,
        "BelowInt64": -(2**63) - 1,
        "Tiny": 1.5e-05,
        "Large": 1e16,
        "Text": "line\u2028break \x7f é 😀 \x00 12345678901234567890",
    }
    demo.cin7.products[0].update(odd)
    async with demo.cin7_client() as cin7:
        products = await cin7.list_products()
    served = next(p for p in products if p.ID == demo.cin7.products[0]["ID"])
    extra = served.model_extra or {}
    assert {name: extra[name] for name in odd} == odd
    assert type(extra["BigInteger"]) is int and type(extra["Tiny"]) is float
    assert set(odd) <= cin7.drift.endpoints["GET /product"].unknown


async def test_a_cin7_record_holding_nan_is_refused_by_the_sandbox_as_starlette_refused_it(
    demo: SandboxSession,
) -> None:
    demo.cin7.products[0]["PriceTier1"] = float("nan")
    async with demo.cin7_client() as cin7:
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            await cin7.list_products()


@settings(max_examples=200, deadline=None)
@given(st.text() | st.text().map(lambda tail: "/" + tail), st.booleans())
def test_the_cin7_sandbox_routes_on_the_path_starlette_parses(path: str, with_host: bool) -> None:
    scope = {
        "type": "http",
        "path": path,
        "headers": [(b"host", b"sandbox")] if with_host else [],
        "scheme": "http",
        "query_string": b"Page=1",
    }
    assert request_path(Request(scope)) == Request(scope).url.path


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "post"]),
    st.none() | st.binary(max_size=40),
    st.lists(
        st.sampled_from(
            ["Accept", "Content-Type", "Host", "Content-Length", "Transfer-Encoding", "api-auth-accountid"]
        ),
        max_size=4,
    ),
    st.sampled_from(["https://shop.myshopify.com/admin/api/2026-10/graphql.json", "http://sandbox:8765/x?Page=1"]),
)
def test_the_clients_send_the_request_httpx_built(
    method: str, content: bytes | None, names: list[str], url: str
) -> None:
    headers = httpx.Headers([(name, "1" if "Length" in name else "value") for name in names])
    extensions = {"timeout": httpx.Timeout(60.0).as_dict()}
    ours = build_request(method, httpx.URL(url), headers, content, extensions)
    theirs = httpx.Request(method, httpx.URL(url), headers=headers, content=content, extensions=extensions)
    assert (ours.method, ours.url, ours.headers.raw, ours.content, ours.extensions) == (
        theirs.method,
        theirs.url,
        theirs.headers.raw,
        theirs.content,
        theirs.extensions,
    )
