"""Tracking as Shopify accepts it, from what a warehouse typed into Cin7 Core.

Shopify's `URL` scalar is an RFC 3986 URI with a scheme and a host, and one invalid URL fails the
whole mutation (schema: URL; FulfillmentTrackingInput). Warehouses type "auspost.com.au/track/AP1",
"N/A" or a URL with a space. A URL missing only its scheme gets https; anything else is dropped, and
the number and company are always kept, so the customer still gets the number.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")


def usable_tracking_url(raw: str | None) -> str | None:
    """The URL as Shopify will accept it, or None when it cannot be made valid."""
    text = (raw or "").strip()
    if not text or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return None
    if not _SCHEME.match(text):
        if text.startswith("//"):
            text = text[2:]
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not _HOST.match(parts.hostname or ""):
        return None
    return text


def tracking_input(company: str | None, shipments: list[tuple[str, str | None]]) -> dict[str, Any] | None:
    """FulfillmentTrackingInput for (number, url) pairs: `number`/`url` for one, `numbers`/`urls` for
    several (never both forms). URLs go only when every number has a valid one, so they stay paired."""
    pairs: list[tuple[str, str | None]] = []
    for number, url in shipments:
        number = (number or "").strip()
        if number and number not in [n for n, _ in pairs]:
            pairs.append((number, usable_tracking_url(url)))
    tracking: dict[str, Any] = {}
    if company and company.strip() and company.strip() != "DEFAULT Carrier":
        tracking["company"] = company.strip()
    if len(pairs) == 1:
        number, url = pairs[0]
        tracking["number"] = number
        if url:
            tracking["url"] = url
    elif pairs:
        tracking["numbers"] = [number for number, _ in pairs]
        urls = [url for _, url in pairs]
        if all(urls):
            tracking["urls"] = urls
    return tracking or None
