"""Pieces of Shopify's GraphQL behaviour the sandbox reproduces: search syntax, cursors and query cost."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    get_named_type,
    value_from_ast,
)

_Plan = TypeVar("_Plan")

MAX_QUERY_COST = 1000
MAX_PAGE_SIZE = 250

# -- search syntax: `sku:ABC AND updated_at:>'2026-01-01T00:00:00Z' NOT test:true` ------------

_TOKEN = re.compile(r"""\s*(?:(\()|(\))|(-)?([A-Za-z_]+):(<=|>=|<|>)?('[^']*'|"[^"]*"|[^\s()]+)|(\S+))""")

Predicate = Callable[[dict[str, Any]], bool]


def parse_search(query: str | None, fields: dict[str, Callable[[dict[str, Any]], Any]]) -> Predicate:
    """Compile Shopify's search syntax over the given fields; unknown fields match everything (as Shopify)."""
    if not query or not query.strip():
        return lambda record: True
    tokens: list[tuple[str, Any]] = []
    for match in _TOKEN.finditer(query):
        opening, closing, negated, name, comparator, raw_value, word = match.groups()
        if opening:
            tokens.append(("(", None))
        elif closing:
            tokens.append((")", None))
        elif name:
            value = raw_value[1:-1] if raw_value[:1] in {"'", '"'} else raw_value
            tokens.append(("term", (bool(negated), name.lower(), comparator or ":", value)))
        elif word:
            upper = word.upper()
            if upper in {"AND", "OR", "NOT"}:
                tokens.append((upper, None))
            else:
                tokens.append(("term", (False, "default", ":", word)))
    position = 0

    def peek() -> str | None:
        return tokens[position][0] if position < len(tokens) else None

    def parse_or() -> Predicate:
        nonlocal position
        left = parse_and()
        while peek() == "OR":
            position += 1
            right = parse_and()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def parse_and() -> Predicate:
        nonlocal position
        left = parse_not()
        while peek() not in {None, ")", "OR"}:
            if peek() == "AND":
                position += 1
            right = parse_not()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def parse_not() -> Predicate:
        nonlocal position
        if peek() == "NOT":
            position += 1
            inner = parse_not()
            return lambda r: not inner(r)
        return parse_atom()

    def parse_atom() -> Predicate:
        nonlocal position
        kind, payload = tokens[position]
        position += 1
        if kind == "(":
            inner = parse_or()
            if peek() == ")":
                position += 1
            return inner
        if kind != "term":
            return lambda r: True
        negated, name, comparator, value = payload
        getter = fields.get(name)
        if getter is None:
            return lambda r: True
        predicate = _compare(getter, comparator, value)
        return (lambda p: lambda r: not p(r))(predicate) if negated else predicate

    result = parse_or()
    return result


def _compare(getter: Callable[[dict[str, Any]], Any], comparator: str, value: str) -> Predicate:
    def as_time(text: str) -> datetime | None:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        # Shopify's search syntax takes a bare date too (created_at:>=2026-01-01); without a zone it
        # means UTC here (shopify.dev "Search syntax": dates are ISO 8601; the shop's zone is [U]).
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    wanted_time = as_time(value)

    def check(record: dict[str, Any]) -> bool:
        actual = getter(record)
        if isinstance(actual, list):  # a field of many values (tags): any one of them matches
            return any(check_value(value) for value in actual)
        return check_value(actual)

    def check_value(actual: Any) -> bool:
        if comparator == ":":
            if isinstance(actual, bool):
                return str(actual).lower() == value.lower()
            if actual is None:
                return False
            text = str(actual).lower()
            if value.endswith("*"):
                return text.startswith(value[:-1].lower())
            return text == value.lower()
        actual_time = as_time(str(actual)) if actual is not None else None
        if actual_time is None or wanted_time is None:
            return False
        return {
            "<": actual_time < wanted_time,
            "<=": actual_time <= wanted_time,
            ">": actual_time > wanted_time,
            ">=": actual_time >= wanted_time,
        }[comparator]

    return check


# -- cursors ------------------------------------------------------------------------------


def encode_cursor(index: int) -> str:
    return base64.b64encode(f'{{"last_id":{index},"v":1}}'.encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        match = re.search(r'"last_id":(\d+)', text)
        if match:
            return int(match.group(1))
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValueError(f"Invalid cursor for current pagination sort: {cursor!r}")


# -- cost ---------------------------------------------------------------------------------


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> int:
    """Shopify's requested cost: objects 1, scalars 0, connections 2 + first × node cost, mutations 10."""
    if operation.operation.value == "mutation":
        return 10 * len(operation.selection_set.selections)
    root = schema.query_type
    assert root is not None
    plan = _plan_once(_requested_plans, operation, lambda: _requested_plan(operation.selection_set, root, fragments))
    return _requested(plan, variables)


def _plan_once(
    plans: dict[int, tuple[OperationDefinitionNode, _Plan]],
    operation: OperationDefinitionNode,
    build: Callable[[], _Plan],
) -> _Plan:
    """The plan made for this operation (documents are parsed once and kept), made now if it is new. Keyed
    by id with the operation kept beside it, so an id reused by another document is never taken for it."""
    kept = plans.get(id(operation))
    if kept is None or kept[0] is not operation:
        if len(plans) >= 512:
            plans.clear()
        kept = plans[id(operation)] = (operation, build())
    return kept[1]


# A query's requested cost worked out once a document, all but its page sizes, which may be variables:
# (what it costs whatever the sizes, [(a connection's first/last arguments, the plan of one of its nodes)]).
_RequestedPlan = tuple[int, list[tuple[list[tuple[ValueNode, GraphQLInputType]], Any]]]
_requested_plans: dict[int, tuple[OperationDefinitionNode, _RequestedPlan]] = {}


def _requested_plan(
    selection_set: SelectionSetNode | None, parent: GraphQLObjectType, fragments: dict[str, FragmentDefinitionNode]
) -> _RequestedPlan:
    constant = 0
    sized: list[tuple[list[tuple[ValueNode, GraphQLInputType]], Any]] = []

    def add(plan: _RequestedPlan, extra: int = 0) -> None:
        nonlocal constant
        constant += plan[0] + extra
        sized.extend(plan[1])

    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, InlineFragmentNode):
            add(_requested_plan(selection.selection_set, parent, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                add(_requested_plan(fragment.selection_set, parent, fragments))
        elif isinstance(selection, FieldNode) and not selection.name.value.startswith("__"):
            field = parent.fields.get(selection.name.value)
            named = get_named_type(field.type) if field is not None else None
            if field is None or not isinstance(named, GraphQLObjectType):
                continue
            if not named.name.endswith("Connection"):
                # A list of objects costs as one object: its size cannot be known before running.
                add(_requested_plan(selection.selection_set, named, fragments), 1)
                continue
            sizes = [
                (argument.value, field.args[argument.name.value].type)
                for argument in selection.arguments or ()
                if argument.name.value in {"first", "last"}
            ]
            per_node, per_node_sized = 0, []
            for child in selection.selection_set.selections if selection.selection_set else ():
                if isinstance(child, FieldNode) and child.name.value in {"nodes", "edges"}:
                    child_type = get_named_type(named.fields[child.name.value].type)
                    assert isinstance(child_type, GraphQLObjectType)
                    child_plan = _requested_plan(child.selection_set, child_type, fragments)
                    per_node += child_plan[0] + (1 if child.name.value == "nodes" else 0)
                    per_node_sized.extend(child_plan[1])
            constant += 2
            sized.append((sizes, (per_node, per_node_sized)))
    return constant, sized


def _requested(plan: _RequestedPlan, variables: dict[str, Any]) -> int:
    constant, sized = plan
    total = constant
    for sizes, per_node in sized:
        size = 0
        for value_node, type_ in sizes:
            size = int(value_from_ast(value_node, type_, variables) or 0)
        total += size * _requested(per_node, variables)
    return total


def actual_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    data: dict[str, Any] | None,
) -> int:
    """What the query really cost: connections counted by the nodes they returned."""
    if operation.operation.value == "mutation":
        return 10 * len(operation.selection_set.selections)
    root = schema.query_type
    assert root is not None
    plan = _plan_once(_cost_plans, operation, lambda: _cost_plan(operation.selection_set, root, fragments))
    return _walk_cost(plan, data or {})


# What of a response costs something (objects and connections; scalars are free), worked out once a
# document rather than for every object of every response (it was half the sandbox's cost of a page).
# Each entry: (response key, whether a connection, its plan), a connection's plan being its nodes and
# edges as (response key, "nodes" | "edges" | "", the plan of one node or edge).
_CostPlan = list[tuple[str, bool, Any]]
_cost_plans: dict[int, tuple[OperationDefinitionNode, _CostPlan]] = {}


def _cost_plan(
    selection_set: SelectionSetNode | None, parent: GraphQLObjectType, fragments: dict[str, FragmentDefinitionNode]
) -> _CostPlan:
    plan: _CostPlan = []
    for node in _fields(selection_set, fragments):
        field = parent.fields.get(node.name.value)
        if field is None:
            continue
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType):
            continue
        key = node.alias.value if node.alias else node.name.value
        if named.name.endswith("Connection"):
            children: list[tuple[str, str, _CostPlan]] = []
            for child in _fields(node.selection_set, fragments):
                child_key = child.alias.value if child.alias else child.name.value
                kind = child.name.value if child.name.value in {"nodes", "edges"} else ""
                child_type = get_named_type(named.fields[kind].type) if kind else None
                assert child_type is None or isinstance(child_type, GraphQLObjectType)
                children.append(
                    (child_key, kind, _cost_plan(child.selection_set, child_type, fragments) if child_type else [])
                )
            plan.append((key, True, children))
        else:
            plan.append((key, False, _cost_plan(node.selection_set, named, fragments)))
    return plan


def _walk_cost(plan: _CostPlan, data: dict[str, Any]) -> int:
    total = 0
    for key, connection, inner in plan:
        value = data.get(key)
        if connection:
            total += 2
            for child_key, kind, node_plan in inner:
                items = (value or {}).get(child_key) or []
                if kind == "nodes":
                    total += sum(1 + _walk_cost(node_plan, item or {}) for item in items)
                elif kind == "edges":
                    total += sum(_walk_cost(node_plan, item or {}) for item in items)
            continue
        # A list of objects costs as its first object does.
        sample = value[0] if isinstance(value, list) and value else value
        total += 1 + (_walk_cost(inner, sample) if isinstance(sample, dict) else 0)
    return total


def _fields(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]) -> list[FieldNode]:
    found: list[FieldNode] = []
    for selection in selection_set.selections if selection_set else []:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found.extend(_fields(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            found.extend(_fields(fragments[selection.name.value].selection_set, fragments))
    return found
