"""Write the Shopify sandbox's SDL: the exact subset of Shopify's real Admin schema our documents use.

Every object field our GraphQL documents select (plus a few the sandbox serves for training) is
copied from the real schema with its arguments, and every input type and enum those reach is copied
whole. The result is a strict subset by construction; tests/test_shopify_schema.py proves it stays so.

    python scripts/build_sandbox_sdl.py   # rewrites src/cin7_shopify/sandbox/shopify_schema.graphql
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_client_schema,
    get_named_type,
    parse,
    print_type,
    visit,
)

ROOT = Path(__file__).resolve().parents[1]
REAL_SCHEMA = ROOT / "tests" / "admin_2026-10.json.gz"
DOCUMENTS = ROOT / "src" / "cin7_shopify" / "shopify" / "documents"
OUT = ROOT / "src" / "cin7_shopify" / "sandbox" / "shopify_schema.graphql"
BUILT_INS = {"String", "Int", "Float", "Boolean", "ID"}

# Served by the sandbox beyond what our documents select (kept small on purpose).
EXTRA_FIELDS = {
    "QueryRoot": [
        "shop",
        "locations",
        "productVariants",
        "location",
        "order",
        "orders",
        "bulkOperation",
        "currentAppInstallation",
        "inventoryItem",
        "ordersCount",
    ],
    "Order": ["fulfillments"],
    "Fulfillment": ["id", "status", "trackingInfo", "createdAt"],
    "InventoryItem": ["inventoryLevel", "sku"],
    # An interface needs a field of its own; every implementation is served (a discount of any kind).
    "DiscountApplication": ["index"],
    "ManualDiscountApplication": ["title"],
}


def load_real_schema() -> GraphQLSchema:
    data = json.loads(gzip.decompress(REAL_SCHEMA.read_bytes()))
    return build_client_schema(data.get("data", data), assume_valid=True)


def used_fields(schema) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    used: dict[str, set[str]] = {}
    for document in sorted(DOCUMENTS.glob("*.graphql")):
        text = document.read_text().replace("ORDER_FILTER", '"x"')
        type_info = TypeInfo(schema)

        class Collect(Visitor):
            def __init__(self, info: TypeInfo) -> None:
                super().__init__()
                self.info = info

            def enter_field(self, node, *_):  # type: ignore[no-untyped-def]
                parent = self.info.get_parent_type()
                if parent is not None and not node.name.value.startswith("__"):
                    used.setdefault(parent.name, set()).add(node.name.value)

        visit(parse(text), TypeInfoVisitor(type_info, Collect(type_info)))
    for type_name, fields in EXTRA_FIELDS.items():
        used.setdefault(type_name, set()).update(fields)
    # The sandbox serves every connection both ways: `nodes` for pages, `edges` for bulk JSONL.
    for type_name in [name for name in used if name.endswith("Connection")]:
        used[type_name].update({"nodes", "edges", "pageInfo"})
        edge = get_named_type(schema.type_map[type_name].fields["edges"].type)
        used.setdefault(edge.name, set()).update({"cursor", "node"})
    used.setdefault("PageInfo", set()).update({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"})
    # Each implementation of an interface we use carries the interface's fields.
    for type_name in list(used):
        interface = schema.type_map[type_name]
        if isinstance(interface, GraphQLInterfaceType):
            for implementation in schema.get_possible_types(interface):
                used.setdefault(implementation.name, set()).update(used[type_name])
    return used


def build_sdl() -> str:
    schema = load_real_schema()
    used = used_fields(schema)
    emitted: dict[str, str] = {}
    pending: list[GraphQLNamedType] = []

    def want(type_: object) -> None:
        named = get_named_type(type_)  # type: ignore[call-overload]
        if named.name not in BUILT_INS and named.name not in emitted and named not in pending:
            pending.append(named)

    for type_name in used:
        pending.append(schema.type_map[type_name])
    interfaces = {name for name in used if isinstance(schema.type_map[name], GraphQLInterfaceType)}
    while pending:
        named = pending.pop()
        if named.name in emitted:
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            lines = []
            for field_name in sorted(used.get(named.name, ())):
                field = named.fields[field_name]
                want(field.type)
                args = ""
                if field.args:
                    parts = []
                    for arg_name, arg in field.args.items():
                        want(arg.type)
                        default = ""
                        if arg.default_value is not None and not isinstance(arg.default_value, type(...)):
                            from graphql import ast_from_value, print_ast

                            value_ast = ast_from_value(arg.default_value, arg.type)
                            default = f" = {print_ast(value_ast)}" if value_ast else ""
                        parts.append(f"{arg_name}: {arg.type}{default}")
                    args = "(" + ", ".join(parts) + ")"
                lines.append(f"  {field_name}{args}: {field.type}")
            if not lines:
                raise SystemExit(f"{named.name} is reached but none of its fields are used")
            if isinstance(named, GraphQLInterfaceType):
                emitted[named.name] = f"interface {named.name} {{\n" + "\n".join(lines) + "\n}"
                for implementation in schema.get_possible_types(named):
                    want(implementation)
                continue
            implements = sorted(i.name for i in named.interfaces if i.name in interfaces)
            clause = f" implements {' & '.join(implements)}" if implements else ""
            emitted[named.name] = f"type {named.name}{clause} {{\n" + "\n".join(lines) + "\n}"
        elif isinstance(named, GraphQLInputObjectType):
            for field in named.fields.values():
                want(field.type)
            emitted[named.name] = _strip_descriptions(print_type(named))
        elif isinstance(named, GraphQLEnumType | GraphQLScalarType):
            emitted[named.name] = _strip_descriptions(print_type(named))
        else:
            raise SystemExit(f"{named.name}: unions are not used by our documents")
    directives = "directive @idempotent(key: String!) on FIELD"
    header = (
        "# Generated by scripts/build_sandbox_sdl.py from Shopify's Admin API 2026-10 schema.\n"
        "# A strict subset: every type, field, argument and input field exists there with the same type.\n"
    )
    body = "\n\n".join(emitted[name] for name in sorted(emitted))
    return f"{header}\nschema {{\n  query: QueryRoot\n  mutation: Mutation\n}}\n\n{directives}\n\n{body}\n"


def _strip_descriptions(sdl: str) -> str:
    kept, in_block = [], False
    for line in sdl.splitlines():
        stripped = line.strip()
        if stripped.startswith('"""'):
            if not (stripped.endswith('"""') and len(stripped) > 3):
                in_block = not in_block
            continue
        if in_block or not stripped or (stripped.startswith('"') and stripped.endswith('"')):
            continue
        kept.append(line.split(" @deprecated")[0] if "@deprecated" in line else line)
    return "\n".join(kept)


if __name__ == "__main__":
    OUT.write_text(build_sdl())
    print(f"wrote {OUT.relative_to(ROOT)}")
