"""Our GraphQL is Shopify's GraphQL: documents validate against the real 2026-10 schema, and the
sandbox's SDL is a strict subset of it."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    NoDeprecatedCustomRule,
    build_schema,
    parse,
    specified_directives,
    validate,
)

from cin7_shopify.sandbox.shopify_server import load_sdl
from cin7_shopify.shopify.documents import DOCUMENT_NAMES, bulk_orders_query, document
from tests.conftest import REAL_SCHEMA, real_shopify_schema

# Every test here reads Shopify's real schema, built once per process (about 1 s CPU): one worker runs them all.
pytestmark = pytest.mark.xdist_group("real-shopify-schema")

DOCUMENTS_DIR = Path(__file__).resolve().parents[1] / "src" / "cin7_shopify" / "shopify" / "documents"


@cache
def sandbox_sdl_schema() -> GraphQLSchema:
    """The sandbox's SDL as a schema, built once a process: about 0.1 s CPU a build, and each document's test
    and the subset check only read it."""
    return build_schema(load_sdl())


def test_every_document_file_is_listed() -> None:
    assert {p.stem for p in DOCUMENTS_DIR.glob("*.graphql")} == set(DOCUMENT_NAMES)


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_document_validates_against_shopifys_real_schema(name: str) -> None:
    text = bulk_orders_query("updated_at:>'2026-01-01T00:00:00Z'") if name == "bulk_orders" else document(name)
    errors = validate(real_shopify_schema(), parse(text))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_document_uses_nothing_shopify_deprecated(name: str) -> None:
    """A deprecated field (e.g. ShopPlan.displayName in 2026-10) is removed in a later version."""
    text = bulk_orders_query("x") if name == "bulk_orders" else document(name)
    errors = validate(real_shopify_schema(), parse(text), [NoDeprecatedCustomRule])
    assert not errors, [e.message for e in errors]


def test_a_wrong_field_would_be_caught() -> None:
    """The check above can fail: a misspelt field is reported."""
    errors = validate(real_shopify_schema(), parse("query { shop { nmae } }"))
    assert errors and "Cannot query field 'nmae'" in errors[0].message


def subset_violations(ours: GraphQLSchema, real: GraphQLSchema) -> tuple[list[str], int]:
    """Everything in `ours` that Shopify's schema lacks or types differently; and how much was checked."""
    problems: list[str] = []
    checked = 0
    for name, ours_type in ours.type_map.items():
        if name.startswith("__"):
            continue
        real_type = real.type_map.get(name)
        if real_type is None or type(ours_type) is not type(real_type):
            problems.append(f"type {name}")
            continue
        if isinstance(ours_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            if not isinstance(ours_type, GraphQLInputObjectType):
                real_interfaces = {i.name for i in real_type.interfaces}  # type: ignore[attr-defined]
                problems.extend(
                    f"{name} implements {i.name}" for i in ours_type.interfaces if i.name not in real_interfaces
                )
            real_fields = real_type.fields  # type: ignore[attr-defined]
            for field_name, field in ours_type.fields.items():
                checked += 1
                real_field = real_fields.get(field_name)
                if real_field is None or str(field.type) != str(real_field.type):
                    problems.append(f"{name}.{field_name}")
                    continue
                for arg_name, arg in getattr(field, "args", {}).items():
                    checked += 1
                    real_arg = real_field.args.get(arg_name)
                    if real_arg is None or str(arg.type) != str(real_arg.type):
                        problems.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(ours_type, GraphQLEnumType):
            problems.extend(f"{name}.{v}" for v in set(ours_type.values) - set(real_type.values))  # type: ignore[attr-defined]
        elif not isinstance(ours_type, GraphQLScalarType):
            problems.append(f"type {name} (unexpected kind)")
    for root in ("query_type", "mutation_type"):
        if getattr(ours, root).name != getattr(real, root).name:
            problems.append(root)
    for directive in ours.directives:
        if directive in specified_directives:
            continue
        real_directive = real.get_directive(directive.name)
        if real_directive is None or {a: str(t.type) for a, t in directive.args.items()} != {
            a: str(t.type) for a, t in real_directive.args.items()
        }:
            problems.append(f"@{directive.name}")
    return problems, checked


def test_sandbox_sdl_is_a_strict_subset_of_the_real_schema() -> None:
    problems, checked = subset_violations(sandbox_sdl_schema(), real_shopify_schema())
    assert problems == []
    assert checked > 200


@pytest.mark.parametrize(
    ("edit", "caught"),
    [
        (("type Shop {", "type Shop {\n  inventedField: String"), "Shop.inventedField"),
        (("  name: String!\n  plan: ShopPlan!", "  name: String\n  plan: ShopPlan!"), "Shop.name"),
        (
            ("  locationId: ID!\n  quantity: Int!\n}", "  locationId: ID!\n  quantity: Int!\n  bonus: Int\n}"),
            "InventoryQuantityInput.bonus",
        ),
    ],
)
def test_the_subset_check_catches_drift(edit: tuple[str, str], caught: str) -> None:
    sdl = load_sdl()
    assert edit[0] in sdl
    problems, _ = subset_violations(build_schema(sdl.replace(edit[0], edit[1], 1)), real_shopify_schema())
    assert caught in problems


def test_sandbox_sdl_is_what_the_generator_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed SDL and the documents cannot drift apart: regenerate with scripts/build_sandbox_sdl.py."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_sandbox_sdl.py"
    spec = importlib.util.spec_from_file_location("build_sandbox_sdl", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The script reads the same file as real_shopify_schema (tests/admin_2026-10.json.gz, the same call):
    # it is given the process's one build of it (building it again took 0.5 s CPU).
    assert module.REAL_SCHEMA.resolve() == REAL_SCHEMA.resolve()
    monkeypatch.setattr(module, "load_real_schema", real_shopify_schema)
    assert module.build_sdl() == load_sdl(), "run: python scripts/build_sandbox_sdl.py"


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_document_also_runs_in_the_sandbox(name: str) -> None:
    text = bulk_orders_query("x") if name == "bulk_orders" else document(name)
    errors = validate(sandbox_sdl_schema(), parse(text))
    assert not errors, [e.message for e in errors]
