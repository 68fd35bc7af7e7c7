"""A store's sync settings (the settings.json model of SCENARIO.md), validated strictly.

Unknown keys are errors with a "did you mean" hint, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cin7_shopify.errors import ConsoleError


class SettingsError(ConsoleError):
    hint = "Fix the setting and save again."


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    order_trigger: Literal["created", "paid", "fulfilled"] = "paid"
    customer_mode: Literal["match_email", "default_customer"] = "match_email"
    default_customer: str | None = None
    unknown_sku: Literal["hold", "create"] = "hold"
    location_map: dict[str, str] = Field(default_factory=dict)
    tax_map: dict[str, str] = Field(default_factory=dict)
    go_live: datetime | None = None
    skip_test_orders: bool = True
    exclude_tags: list[str] = Field(default_factory=list)
    inventory_interval_minutes: int = Field(default=60, ge=5, le=1440)
    safety_buffer: int = Field(default=0, ge=0)
    # Beyond SCENARIO.md's table: choices the sync needs that a consultant may want to change.
    order_poll_minutes: int = Field(default=5, ge=1, le=60)
    shipping_product: str = "Shipping"  # the Cin7 Core service product that carries shipping charges
    # Service products for what is not stock: without one, an order with a tip, duties or a gift card is held.
    tip_product: str | None = None
    duty_product: str | None = None
    gift_card_product: str | None = None
    credit_note_on_cancel: bool = False  # cancelled after picking: create the credit note, or only report it
    credit_note_on_refund: bool = False  # refunded after shipping: create the credit note, or only name it
    zero_stock_guard_percent: int = Field(default=20, ge=0, le=100)
    # Cin7 Core location name → {Shopify location id: percent}: how one Cin7 location's stock is shared
    # between the Shopify locations the location map sends to it. Without it, the first of them in the
    # location map gets the stock and the others are left as Shopify has them (never counted twice).
    # A share for a Shopify location the map no longer sends there is not used (the plan says so): a
    # remapping must not make the saved settings unreadable.
    location_split: dict[str, dict[str, int]] = Field(default_factory=dict)
    # Cin7 Core allows 60 calls a minute per account, shared with every other app the merchant runs on
    # it (a 3PL connector, an EDI feed…): the sync keeps this many of them free.
    cin7_reserved_calls_per_minute: int = Field(default=0, ge=0, le=59)
    # Observe mode: another integration (e.g. Cin7 Core's own Shopify connector) imports the orders; our
    # sync writes nothing and checks each sale it made, matched by `observe_match` ("any" tries each rule).
    mode: Literal["sync", "observe"] = "sync"
    observe_match: Literal["any", "external_id", "customer_reference", "sale_number"] = "any"
    # The other integration's sale number for an order, `{number}` standing for the order number (e.g. "SHOP-{number}").
    sale_number_pattern: str | None = None
    observe_grace_minutes: int = Field(default=30, ge=0, le=1440)  # an order with no sale after this is an error
    # Who accepts audit fixes and risks, as the client's sign-off report names them (empty: the OS user).
    consultant: str | None = None

    @field_validator("go_live")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("sale_number_pattern")
    @classmethod
    def _has_number(cls, value: str | None) -> str | None:
        if value is not None and "{number}" not in value:
            raise ValueError(f"'{value}' has no {{number}} where the Shopify order number goes (e.g. SHOP-{{number}})")
        return value

    @field_validator("location_map")
    @classmethod
    def _shopify_location_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not key.startswith("gid://shopify/Location/"):
                raise ValueError(f"'{key}' is not a Shopify location id (gid://shopify/Location/…)")
        return value

    @field_validator("location_split")
    @classmethod
    def _shares_of_whole_stock(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for cin7_location, shares in value.items():
            for key, percent in shares.items():
                if not key.startswith("gid://shopify/Location/"):
                    raise ValueError(f"'{key}' is not a Shopify location id (gid://shopify/Location/…)")
                if not 0 <= percent <= 100:
                    raise ValueError(f"'{cin7_location}' gives {key} {percent}%; a share is 0 to 100")
            if sum(shares.values()) != 100:
                raise ValueError(f"the shares of '{cin7_location}' add up to {sum(shares.values())}%, not 100%")
        return value

    @classmethod
    def from_json_dict(cls, data: dict[str, Any], *, source: str = "settings") -> StoreSettings:
        """Validate settings read from a file, naming the key and suggesting the right one."""
        known = list(cls.model_fields)
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                suggestion = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(known)}."
                raise SettingsError(f"{source}: unknown setting '{key}'.{suggestion}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise SettingsError(f"{source}: {where}: {str(err['msg']).removeprefix('Value error, ')}.") from None

    def with_text_values(self, values: Mapping[str, str], *, source: str = "settings") -> StoreSettings:
        """These settings changed by values typed as text (`store set` and the console's settings form),
        validated as settings.json is. Lists take commas or JSON; maps take JSON, or `map.entry` keys
        (an empty value removes the entry); an empty value clears an optional setting."""
        data = self.model_dump(mode="json")
        for key, text in values.items():
            field, dot, entry = key.partition(".")
            if dot and isinstance(data.get(field), dict):
                if text.strip():
                    data[field][entry] = text.strip()
                else:
                    data[field].pop(entry, None)
            else:
                data[key] = _typed(key, text, source)
        return StoreSettings.from_json_dict(data, source=source)


def _typed(key: str, text: str, source: str) -> Any:
    field = StoreSettings.model_fields.get(key)
    value = text.strip()
    if field is None:
        return value  # unknown: validation names it and suggests the right key
    annotation = field.annotation
    origin = get_origin(annotation)
    if origin is list:
        if value.startswith("["):
            return _json(key, value, source)
        return [part.strip() for part in value.split(",") if part.strip()]
    if origin is dict:
        return _json(key, value, source) if value else {}
    if not value:
        return None if type(None) in get_args(annotation) else value
    return value


def _json(key: str, value: str, source: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{source}: {key}: not valid JSON ({exc.msg}).") from None
