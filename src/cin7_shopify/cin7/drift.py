"""Where Cin7 Core's answers and our models disagree: field names only, never values.

The models keep unknown fields (extra="allow"), so a field Cin7 adds is not lost, but nobody would
notice it either; and a field we model that Cin7 stops sending silently reads as its default. Per
endpoint this notes the unknown field names (nested ones as `Lines[].Name`) and the modelled
top-level fields that no record of the endpoint carried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel


@dataclass
class EndpointFields:
    unknown: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # modelled top-level fields some record carried
    records: int = 0

    @property
    def missing(self) -> set[str]:
        return self.declared - self.seen if self.records else set()


@dataclass
class ModelDrift:
    endpoints: dict[str, EndpointFields] = field(default_factory=dict)

    def note(self, endpoint: str, record: BaseModel) -> None:
        found = self.endpoints.get(endpoint)
        if found is None:
            found = self.endpoints[endpoint] = EndpointFields(declared=set(type(record).model_fields))
        found.records += 1
        found.seen |= record.__pydantic_fields_set__  # model_fields_set, without the property's call
        unknown = unknown_fields(record)
        if unknown:
            found.unknown |= unknown


@cache
def _nested(model: type[BaseModel]) -> frozenset[str]:
    """The fields of a model that can hold models (checked per record; the rest never need a look)."""
    return frozenset(name for name, info in model.model_fields.items() if _holds_models(info.annotation))


def _holds_models(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_models(arg) for arg in get_args(annotation))


def unknown_fields(record: BaseModel, prefix: str = "") -> set[str]:
    """Names of the fields the record carried that its model does not declare, nested models included."""
    extra = record.__pydantic_extra__  # model_extra and model_fields_set, without their properties' calls
    names = {prefix + name for name in extra} if extra else set()
    nested = _nested(type(record))
    if not nested:
        return names
    for name in nested.intersection(record.__pydantic_fields_set__):
        value = getattr(record, name, None)
        items = value if isinstance(value, list) else [value]
        inner = f"{prefix}{name}[]." if isinstance(value, list) else f"{prefix}{name}."
        for item in items:
            if isinstance(item, BaseModel):
                names |= unknown_fields(item, inner)
    return names
