"""Open311 GeoReport v2 service definitions, so FixMyStreet and 311 apps can file reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]


@dataclass(frozen=True)
class Open311Value:
    key: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Open311Attribute:
    code: str
    description: str
    datatype: Datatype = "string"
    required: bool = False
    variable: bool = True
    order: int = 1
    datatype_description: str = ""
    values: tuple[Open311Value, ...] = ()

    def as_georeport(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
        }
        if self.values:
            entry["values"] = [{"key": value.key, "name": value.name} for value in self.values]
        return entry


@dataclass(frozen=True, kw_only=True)
class Open311Service:
    service_code: str
    service_name: str
    description: str
    group: str
    keywords: tuple[str, ...] = ()
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    attributes: tuple[Open311Attribute, ...] = field(default_factory=tuple)
    defaults: Mapping[str, str] = field(default_factory=dict)
    """Answers (question -> choice) used when an Open311 client sends none and its description names none
    of the choices; such questions are published as not required, so a report is never refused for
    them. Staff are told which answers were assumed."""

    def as_service_list_entry(self, metadata: bool) -> dict[str, Any]:
        """One entry of GET /services.json; `metadata`: whether the council's definition has attributes."""
        return {
            "service_code": self.service_code,
            "service_name": self.service_name,
            "description": self.description,
            "metadata": metadata,
            "type": self.type,
            "keywords": ", ".join(self.keywords),
            "group": self.group,
        }
