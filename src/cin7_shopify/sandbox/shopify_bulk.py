"""A bulk query's JSONL, written straight from the store's records as Shopify's export does.

Shopify runs a bulk query over the whole shop and writes one JSON line per node, each nested
connection's nodes as lines of their own with `__parentId` (schema: Mutation.bulkOperationRunQuery;
shopify.dev bulk operations guide, "Download result data"). graphql-core resolves such a query
field by field, with a resolve-info, a path and a completion step for each of the 400,000 objects
of a 100,000-variant catalogue: about a minute. The query has already been parsed and validated
against the schema by then; this walks its selections over the same records, calls the same
resolvers (scopes, search filters and arguments included) and serializes each leaf with its schema
type, so every line holds exactly the fields asked for, under their aliases, in the order asked.

What this writer does not handle (directives, abstract types, or a connection's page info, cursors
or aliased edges) it declines with None, and the query is run by graphql-core as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values


class _Declined(Exception):
    """The query uses something this writer leaves to graphql-core."""


@dataclass
class _Info:
    """What the sandbox's resolvers read from a GraphQLResolveInfo: the request's context."""

    context: dict[str, Any]


@dataclass
class BulkResult:
    lines: list[str]  # one JSON text per line, without the newline
    objects: int
    roots: int


_OMIT = object()
# One selected field of an object: its response key, its nodes, its definition (None: __typename),
# whether it is a String or ID (written as it is when the value is a string), and for a field of one
# scalar or enum its type (a value that is there is serialized at once: what `complete` would do).
# A nested connection's nodes become lines of their own, not a key of the parent.
_Step = tuple[str, list[FieldNode], GraphQLField | None, bool, GraphQLScalarType | GraphQLEnumType | None]


def bulk_jsonl(schema: GraphQLSchema, document: DocumentNode, context: dict[str, Any]) -> BulkResult | None:
    """The JSONL lines of a validated bulk query, or None where graphql-core must run it."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY or operations[0].variable_definitions:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    writer = _Writer(schema, fragments, context)
    root = schema.query_type
    assert root is not None
    try:
        for fields in writer.collect(root, [operations[0].selection_set]).values():
            field = writer.field(root, fields[0])
            named = _named(field.type)
            if not (isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")):
                raise _Declined  # a bulk query's top level is its connections
            page = writer.resolve(field, fields, None)
            if page is not None:
                writer.connection(named, fields, page, None)
    except _Declined:
        return None
    return BulkResult(writer.lines, writer.objects, writer.roots)


def _named(type_: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


class _Writer:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], context: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.info = cast(Any, _Info(context))
        self.lines: list[str] = []
        self.objects = 0
        self.roots = 0
        self._collected: dict[tuple[str, tuple[int, ...]], dict[str, list[FieldNode]]] = {}
        self._arguments: dict[int, dict[str, Any]] = {}
        self._plans: dict[tuple[str, int], list[_Step]] = {}
        self._kept: list[list[FieldNode]] = []

    def collect(self, type_: GraphQLObjectType, sets: Iterable[SelectionSetNode]) -> dict[str, list[FieldNode]]:
        """The fields selected on an object of `type_`, by response key, fragments expanded."""
        sets = list(sets)
        key = (type_.name, tuple(id(s) for s in sets))
        found = self._collected.get(key)
        if found is None:
            found = {}
            for selection_set in sets:
                self._collect_into(type_, selection_set, found)
            self._collected[key] = found
        return found

    def _collect_into(
        self, type_: GraphQLObjectType, selection_set: SelectionSetNode, found: dict[str, list[FieldNode]]
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise _Declined  # @include / @skip
            if isinstance(selection, FieldNode):
                name = selection.alias.value if selection.alias else selection.name.value
                found.setdefault(name, []).append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition.name.value, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition = selection.type_condition.name.value if selection.type_condition else type_.name
                inner = selection.selection_set
            if condition != type_.name:
                raise _Declined  # a fragment on an interface or union
            self._collect_into(type_, inner, found)

    def field(self, parent: GraphQLObjectType, node: FieldNode) -> GraphQLField:
        field: GraphQLField = parent.fields[node.name.value]
        return field

    def resolve(self, field: GraphQLField, nodes: list[FieldNode], source: Any) -> Any:
        node = nodes[0]
        arguments = self._arguments.get(id(node))
        if arguments is None:
            arguments = self._arguments[id(node)] = get_argument_values(field, node)
        if field.resolve is not None:
            return field.resolve(source, self.info, **arguments)
        name = node.name.value
        return source.get(name) if isinstance(source, dict) else getattr(source, name, None)

    def connection(self, type_: GraphQLObjectType, nodes: list[FieldNode], page: Any, parent_id: str | None) -> None:
        """Each node of a page as a line of its own, after the line of the node it belongs to."""
        selected = self.collect(type_, [n.selection_set for n in nodes if n.selection_set])
        if len(selected) != 1:
            raise _Declined  # page info, cursors or both edges and nodes: graphql-core's shape
        ((key, fields),) = selected.items()
        if key == "edges" and all(f.name.value == "edges" for f in fields):
            edge_type = _named(type_.fields["edges"].type)
            assert isinstance(edge_type, GraphQLObjectType)
            in_edge = self.collect(edge_type, [f.selection_set for f in fields if f.selection_set])
            if list(in_edge) != ["node"] or any(f.name.value != "node" for f in in_edge["node"]):
                raise _Declined
            node_fields = in_edge["node"]
            node_type = _named(edge_type.fields["node"].type)
            items = [edge["node"] for edge in page["edges"]]
        elif key == "nodes" and all(f.name.value == "nodes" for f in fields):
            node_fields = fields
            node_type = _named(type_.fields["nodes"].type)
            items = page["nodes"]
        else:
            raise _Declined
        if not isinstance(node_type, GraphQLObjectType):
            raise _Declined
        for item in items:
            self.node(node_type, node_fields, item, parent_id)

    def node(self, type_: GraphQLObjectType, nodes: list[FieldNode], source: Any, parent_id: str | None) -> None:
        position = len(self.lines)
        self.lines.append("")
        self.objects += 1
        if parent_id is None:
            self.roots += 1
        nested: list[tuple[GraphQLObjectType, list[FieldNode], Any]] = []
        line = self.object(type_, nodes, source, nested)
        if parent_id is not None:
            line["__parentId"] = parent_id
        # Shopify escapes the slash in JSON strings ("gid:\/\/shopify\/…").
        self.lines[position] = json.dumps(line).replace("/", "\\/")
        # Children name the nearest node that has an id; a nested object's own id does not count.
        own_id = line.get("id") or parent_id
        for connection_type, fields, page in nested:
            self.connection(connection_type, fields, page, own_id)

    def object(
        self,
        type_: GraphQLObjectType,
        nodes: list[FieldNode],
        source: Any,
        nested: list[tuple[GraphQLObjectType, list[FieldNode], Any]],
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, fields, field, text, leaf in self._plan(type_, nodes):
            if field is None:
                result[key] = type_.name  # __typename
                continue
            if field.resolve is None and isinstance(source, dict):
                value = source.get(fields[0].name.value)
            else:
                value = self.resolve(field, fields, source)
            if text and type(value) is str:
                result[key] = value  # String and ID serialize a string as itself
                continue
            if leaf is not None and value is not None:
                serialized = leaf.serialize(value)  # `complete` for a scalar or enum that is there
                if serialized is None:
                    raise GraphQLError(f"Expected `{leaf.name}.serialize({value!r})` to return non-nullable value.")
                result[key] = serialized
                continue
            value = self.complete(field.type, fields, value, nested, type_)
            if value is not _OMIT:
                result[key] = value
        return result

    def _plan(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> list[_Step]:
        """What to write for an object of `type_` selected by `nodes`: worked out once per selection."""
        plan = self._plans.get((type_.name, id(nodes)))
        if plan is None:
            plan = []
            for key, fields in self.collect(type_, [n.selection_set for n in nodes if n.selection_set]).items():
                name = fields[0].name.value
                field = None if name == "__typename" else type_.fields[name]
                kind = (
                    field.type.of_type
                    if field and isinstance(field.type, GraphQLNonNull)
                    else getattr(field, "type", None)
                )
                leaf = kind if isinstance(kind, (GraphQLScalarType, GraphQLEnumType)) else None
                plan.append((key, fields, field, kind is GraphQLString or kind is GraphQLID, leaf))
            self._plans[(type_.name, id(nodes))] = plan
            self._kept.append(nodes)  # its id stays this list's while the plan is cached
        return plan

    def complete(
        self,
        type_: GraphQLOutputType,
        fields: list[FieldNode],
        value: Any,
        nested: list[tuple[GraphQLObjectType, list[FieldNode], Any]],
        parent: GraphQLObjectType,
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            if value is None:
                raise GraphQLError(f"Cannot return null for non-nullable field {parent.name}.{fields[0].name.value}.")
            type_ = type_.of_type
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            return [self.complete(type_.of_type, fields, item, nested, parent) for item in value]
        if isinstance(type_, (GraphQLScalarType, GraphQLEnumType)):
            serialized = type_.serialize(value)
            if serialized is None:
                raise GraphQLError(f"Expected `{type_.name}.serialize({value!r})` to return non-nullable value.")
            return serialized
        if not isinstance(type_, GraphQLObjectType):
            raise _Declined  # an interface or union
        if type_.name.endswith("Connection"):
            nested.append((type_, fields, value))
            return _OMIT
        return self.object(type_, fields, value, nested)
