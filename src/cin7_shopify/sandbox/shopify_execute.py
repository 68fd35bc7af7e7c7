"""An ordinary request's document executed straight over the store's records, as graphql-core would.

graphql-core's executor is general: for every field of every object it builds a resolve-info, looks
the field up, works out its arguments and walks `complete_value` through awaitables, streams and
defer bookkeeping. The sandbox's resolvers are plain functions over dicts, so most of a response is a
dict lookup; that machinery was about a quarter of the CPU of the tests that sync against the
sandbox. This walks the same operation with the same pieces of graphql-core wherever an answer
could differ — its operation choice and variable coercion (`Executor.build`), field collection,
argument values, resolve-info, leaf coercion, type resolution and error location — and a short loop
of its own in between: a field of a dict with no resolver of its own is `source.get(name)`, a String
or ID that is a str is itself, and each selection's collected fields are worked out once per document.

Errors are graphql-core's: a resolver's error (ACCESS_DENIED from a scope guard, a paging error) is
located at the field's path and nulls the nearest nullable field, a null in a non-null field is
"Cannot return null for non-nullable field …", and the data is the same partial data.

A document that uses what this loop does not reproduce (@skip, @include, @defer or @stream, fragment
variables, operation directives, introspection, subscriptions; or a schema with `is_type_of` or
`resolve_type` functions) is declined with None before any resolver runs, and graphql-core runs it:
correctness never depends on this module's coverage (tests/test_shopify_execute.py compares both).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeNameMetaFieldDef,
    located_error,
    visit,
)
from graphql.execution.collect_fields import FieldDetails, collect_fields, collect_subfields
from graphql.execution.executor import Executor
from graphql.execution.values import get_argument_values
from graphql.language import Visitor
from graphql.pyutils import Path, Undefined, is_iterable

# Directives that change which fields are collected, or when: collection is cached per document, so a
# document using one is left to graphql-core.
_COLLECTION_DIRECTIVES = {"skip", "include", "defer", "stream"}
_PLAIN_VALUES = (str, int, float, bool)
_NO_ARGUMENTS: dict[str, Any] = {}


class _Field:
    """One field of a selection on one object type, with what was worked out about it once."""

    __slots__ = (
        "arguments",
        "children",
        "definition",
        "details",
        "has_arguments",
        "key",
        "leaf",
        "name",
        "nodes",
        "non_null",
        "object",
        "resolve",
        "text",
        "type",
        "typename",
    )

    def __init__(self, schema: GraphQLSchema, parent: GraphQLObjectType, key: str, details: list[FieldDetails]):
        node = details[0].node
        definition = schema.get_field(parent, node.name.value)
        assert definition is not None  # the document was validated against this schema
        self.key = key
        self.name = node.name.value
        self.details = details
        self.nodes = [d.node for d in details]
        self.definition: GraphQLField = definition
        self.typename = definition is TypeNameMetaFieldDef
        self.resolve: Callable[..., Any] | None = definition.resolve
        self.type: GraphQLOutputType = definition.type
        self.non_null = isinstance(definition.type, GraphQLNonNull)
        inner = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        self.leaf = inner if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)) else None
        self.text = inner is GraphQLString or inner is GraphQLID  # a str is its own serialization
        self.object = inner if isinstance(inner, GraphQLObjectType) else None
        self.has_arguments = bool(definition.args or node.arguments)
        self.arguments = _fixed_arguments(definition, node) if self.has_arguments else _NO_ARGUMENTS
        # The fields selected on this field's value, by the value's object type (several for an interface).
        self.children: dict[str, list[_Field]] = {}


def _fixed_arguments(definition: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
    """Arguments written as literals are the same every time: worked out once. None: per request.

    Only plain values are kept (a resolver may change a list or dict it was given); an argument that
    fails to coerce is left to fail at its field, where graphql-core reports it."""
    uses_variables = False

    class FindVariables(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal uses_variables
            uses_variables = True

    for argument in node.arguments or ():
        visit(argument, FindVariables())
    if uses_variables:
        return None
    try:
        values = get_argument_values(definition, node)
    except Exception:  # reported at the field, per request, by the same call
        return None
    return values if all(v is None or isinstance(v, _PLAIN_VALUES) for v in values.values()) else None


class _Plan:
    """A document's operation: whether this module runs it, and its collected root fields."""

    def __init__(self, operation: OperationDefinitionNode, direct: bool) -> None:
        self.operation = operation  # kept so that its id stays this operation's
        self.direct = direct
        self.root: list[_Field] | None = None


_plans: dict[int, _Plan] = {}
_MAX_PLANS = 512  # as many as parsed documents are cached (shopify_server.parsed_document)
_schemas_fit: dict[int, tuple[GraphQLSchema, bool]] = {}


def execute_direct(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    variable_values: dict[str, Any],
    context_value: dict[str, Any],
    operation_name: str | None,
    is_awaitable: Callable[[Any], TypeGuard[Awaitable[Any]]],
) -> ExecutionResult | None:
    """The result graphql-core's `execute` would give for a validated document, or None to let it run (its
    keyword arguments are `execute`'s, so a caller passes both the same)."""
    if not _schema_fits(schema):
        return None
    executor = Executor.build(
        schema,
        document,
        context_value=context_value,
        raw_variable_values=variable_values,
        operation_name=operation_name,
        is_awaitable=is_awaitable,
    )
    if isinstance(executor, list):  # no such operation, or variables that do not coerce
        return ExecutionResult(None, errors=executor)
    plan = _plan(document, executor.operation)
    if not plan.direct:
        return None
    return _Run(executor).operation(plan)


def _schema_fits(schema: GraphQLSchema) -> bool:
    """No object type decides by `is_type_of` and no abstract type by `resolve_type` (built from SDL)."""
    known = _schemas_fit.get(id(schema))
    if known is None or known[0] is not schema:
        fits = not any(
            (isinstance(t, GraphQLObjectType) and t.is_type_of is not None)
            or (isinstance(t, (GraphQLInterfaceType, GraphQLUnionType)) and t.resolve_type is not None)
            for name, t in schema.type_map.items()
            if not name.startswith("__")
        )
        known = _schemas_fit[id(schema)] = (schema, fits)
    return known[1]


def _plan(document: DocumentNode, operation: OperationDefinitionNode) -> _Plan:
    plan = _plans.get(id(operation))
    if plan is None or plan.operation is not operation:
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        plan = _plans[id(operation)] = _Plan(operation, runs_directly(document, operation))
    return plan


def runs_directly(document: DocumentNode, operation: OperationDefinitionNode) -> bool:
    """Whether this module runs `operation` (False: it uses something left to graphql-core)."""
    if operation.operation == OperationType.SUBSCRIPTION or operation.directives:
        return False
    sets: list[SelectionSetNode] = [operation.selection_set]
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            if definition.variable_definitions or definition.directives:
                return False
            sets.append(definition.selection_set)
    while sets:
        for selection in sets.pop().selections:
            if any(d.name.value in _COLLECTION_DIRECTIVES for d in selection.directives or ()):
                return False
            if isinstance(selection, FieldNode) and selection.name.value in {"__schema", "__type"}:
                return False
            if isinstance(selection, FragmentSpreadNode) and selection.arguments:
                return False
            if isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                sets.append(selection.selection_set)
    return True


class _Run:
    """One execution: graphql-core's executor for its setup and pieces, this loop for the fields."""

    def __init__(self, executor: Executor[Any]) -> None:
        self.executor = executor
        self.schema = executor.schema
        self.variables = executor.variable_values
        self.errors: list[GraphQLError] = []

    def operation(self, plan: _Plan) -> ExecutionResult:
        executor = self.executor
        root = self.schema.get_root_type(executor.operation.operation)
        assert root is not None  # validated
        if plan.root is None:
            collected = collect_fields(
                self.schema, executor.fragments, self.variables, root, executor.operation, executor.hide_suggestions
            )
            grouped = collected.grouped_field_set
            plan.root = [_Field(self.schema, root, key, details) for key, details in grouped.items()]
        data: dict[str, Any] | None
        try:
            data = self.fields(root, plan.root, executor.root_value, None)
        except GraphQLError as error:  # a non-null root field failed: no data at all
            self.errors.append(error)
            data = None
        return ExecutionResult(data, self.errors or None)

    def info(self, field: _Field, parent: GraphQLObjectType, path: Path) -> GraphQLResolveInfo[Any]:
        return self.executor.build_resolve_info(field.definition, field.nodes, parent, path)

    def arguments(self, field: _Field) -> dict[str, Any]:
        fixed = field.arguments
        if fixed is not None:
            return fixed
        hide = self.executor.hide_suggestions
        return get_argument_values(field.definition, field.nodes[0], self.variables, None, hide)

    def fields(self, parent: GraphQLObjectType, fields: list[_Field], source: Any, path: Path | None) -> dict[str, Any]:
        """An object's selected fields, in the order collected (graphql-core's execute_fields)."""
        result: dict[str, Any] = {}
        for field in fields:
            key = field.key
            if field.typename:
                result[key] = parent.name
                continue
            try:
                if field.resolve is None:  # default_field_resolver, without building its info
                    arguments = self.arguments(field) if field.has_arguments else _NO_ARGUMENTS
                    name = field.name
                    if type(source) is dict:
                        value = source.get(name)
                    else:
                        value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)
                    if callable(value):
                        value = value(self.info(field, parent, Path(path, key, parent.name)), **arguments)
                else:
                    value = field.resolve(
                        source, self.info(field, parent, Path(path, key, parent.name)), **self.arguments(field)
                    )
                leaf = field.leaf
                if leaf is not None:  # a scalar or enum: serialized here, what complete_leaf_value does
                    kind = type(value)
                    if kind is str and field.text:
                        result[key] = value
                        continue
                    if kind in _PLAIN_VALUES:
                        coerced = leaf.coerce_output_value(value)
                        if coerced is None or coerced is Undefined:
                            Executor.complete_leaf_value(leaf, value)  # raises graphql-core's error
                        result[key] = coerced
                        continue
                    if value is None and not field.non_null:
                        result[key] = None
                        continue
                elif field.object is not None and type(value) is dict:  # an object's fields: complete_object_value
                    selected = self.selected(field, field.object)
                    result[key] = self.fields(field.object, selected, value, Path(path, key, parent.name))
                    continue
                result[key] = self.complete(field.type, field, parent, Path(path, key, parent.name), value)
            except Exception as raw_error:  # a field error, as graphql-core's execute_field
                self.field_error(raw_error, field.type, field, Path(path, key, parent.name))
                result[key] = None
        return result

    def field_error(self, raw_error: Exception, type_: GraphQLOutputType, field: _Field, path: Path) -> None:
        """Located at its path; a non-null position passes it up to the nearest nullable one."""
        error = located_error(raw_error, field.nodes, path.as_list())
        if isinstance(type_, GraphQLNonNull):
            raise error
        self.errors.append(error)

    def complete(
        self, type_: GraphQLOutputType, field: _Field, parent: GraphQLObjectType, path: Path, value: Any
    ) -> Any:
        """graphql-core's complete_value for the types this schema has."""
        if isinstance(value, Exception):
            raise value
        if isinstance(type_, GraphQLNonNull):
            completed = self.complete(type_.of_type, field, parent, path, value)
            if completed is None:
                raise TypeError(f"Cannot return null for non-nullable field {parent.name}.{field.name}.")
            return completed
        if value is None or value is Undefined:
            return None
        if isinstance(type_, GraphQLList):
            return self.complete_list(type_.of_type, field, parent, path, value)
        if isinstance(type_, (GraphQLScalarType, GraphQLEnumType)):
            return Executor.complete_leaf_value(type_, value)
        if isinstance(type_, GraphQLObjectType):
            return self.fields(type_, self.selected(field, type_), value, path)
        assert isinstance(type_, (GraphQLInterfaceType, GraphQLUnionType))
        info = self.info(field, parent, path)
        resolved = (type_.resolve_type or self.executor.type_resolver)(value, info, type_)
        runtime = self.executor.ensure_valid_runtime_type(resolved, type_, field.details, info, value)
        return self.fields(runtime, self.selected(field, runtime), value, path)

    def complete_list(
        self, item_type: GraphQLOutputType, field: _Field, parent: GraphQLObjectType, path: Path, value: Any
    ) -> list[Any]:
        if not is_iterable(value):
            raise GraphQLError(f"Expected Iterable, but did not find one for field '{parent.name}.{field.name}'.")
        inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        text = inner is GraphQLString or inner is GraphQLID
        object_type = inner if isinstance(inner, GraphQLObjectType) else None
        selected = self.selected(field, object_type) if object_type is not None else []
        completed: list[Any] = []
        for index, item in enumerate(value):
            if text and type(item) is str:  # tags, discount codes: each is itself
                completed.append(item)
                continue
            item_path = Path(path, index, None)
            try:
                if object_type is not None and type(item) is dict:  # a page's nodes: complete_object_value
                    completed.append(self.fields(object_type, selected, item, item_path))
                    continue
                completed.append(self.complete(item_type, field, parent, item_path, item))
            except Exception as raw_error:  # as graphql-core's complete_list_item_value
                self.field_error(raw_error, item_type, field, item_path)
                completed.append(None)
        return completed

    def selected(self, field: _Field, type_: GraphQLObjectType) -> list[_Field]:
        """The fields selected on `field`'s value when it is a `type_`: collected once per document."""
        fields = field.children.get(type_.name)
        if fields is None:
            executor = self.executor
            collected = collect_subfields(
                self.schema,
                executor.fragments,
                self.variables,
                executor.operation,
                type_,
                field.details,
                executor.hide_suggestions,
            )
            fields = field.children[type_.name] = [
                _Field(self.schema, type_, key, details) for key, details in collected.grouped_field_set.items()
            ]
        return fields
