"""Seeding a sandbox without deep-copying its scenario.

A sandbox changes its records (stock, sales, orders), and the scenario it was seeded from must not
change with them: a test or the demo seeds several sandboxes from one. `copy.deepcopy` of a
100,000-variant scenario walks about four million objects through its memo; the sandboxes build a
new record of every product, variant and stock row anyway, so only what a record keeps of the
scenario by reference needs copying: its nested dicts and lists (`owned`), and the small, deeply
nested parts (orders, sales, customers) whole.
"""

from __future__ import annotations

from typing import Any


def owned(record: dict[str, Any]) -> dict[str, Any]:
    """The record's fields for a record of the sandbox's own: scalars as they are, nested values copied."""
    return {k: json_copy(v) if isinstance(v, (dict, list)) else v for k, v in record.items()}


def json_copy(value: Any) -> Any:
    """A copy of JSON-shaped data (dicts, lists and scalars, as a scenario is): what `copy.deepcopy`
    makes of it, without its memo and dispatch (several times faster)."""
    if isinstance(value, dict):
        return {k: json_copy(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def copied_except(data: dict[str, Any], rebuilt: set[str], *, hand_over: bool = False) -> dict[str, Any]:
    """The scenario's top level with every part copied whole (`json_copy`) except `rebuilt`, whose
    records the sandbox builds anew (each through `owned`).

    `hand_over`: the scenario was loaded for this sandbox alone, so the `rebuilt` lists are moved out
    of it rather than shared: each is released once its records are built, and a 100,000-variant
    scenario is not held in full beside the sandbox built from it."""
    taken = {k: data.pop(k) for k in rebuilt if k in data} if hand_over else {}
    return {k: v if k in rebuilt else json_copy(v) for k, v in data.items()} | taken
