"""Where reports learn each service's flags: in the channel-shift figure or not, online-only or not.

The service modules declare these flags; the savings reports only need them as ``ServiceFlags``. A
``ServiceFlagsSource`` answers "what are this council's services?" and is held by ``PlatformServices``
(``services.service_flags``). Until the module registry is wired in, the source is the savings engine's
demo catalogue; wiring the registry is one line in ``civicshare.app.build_services``, passing any object
with a ``service_flags(council)`` method.

A report can meet a service the source does not know (a module removed since, a code imported by hand
through the CLI). Such a service is counted in the channel-shift figure, as a service is by default,
and the report names it in ``services_without_flags`` so nobody mistakes the assumption for a fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from civicshare.modules import ModuleRegistry
from civicshare.savings.demo_data import demo_service_catalogue
from civicshare.savings.services import ServiceFlags


class ServiceFlagsSource(Protocol):
    def service_flags(self, council: str) -> Mapping[str, ServiceFlags]:
        """Every service the council offers, by code."""
        ...


@dataclass(frozen=True)
class CatalogueServiceFlags:
    """The same catalogue of services for every council."""

    catalogue: Mapping[str, ServiceFlags] = field(default_factory=lambda: MappingProxyType(demo_service_catalogue()))

    def service_flags(self, council: str) -> Mapping[str, ServiceFlags]:
        return self.catalogue


@dataclass(frozen=True)
class ResolvedFlags:
    """Flags for every service a report meets, and which of them the source did not know."""

    flags: dict[str, ServiceFlags]
    unknown: tuple[str, ...]


def flags_key(source: ServiceFlagsSource, council: str) -> tuple[tuple[str, bool, bool], ...]:
    """The council's flags as one comparable value, for keys of remembered figures."""
    return tuple(
        sorted(
            (code, flags.counts_toward_channel_shift, flags.online_only)
            for code, flags in source.service_flags(council).items()
        )
    )


def resolve_flags(source: ServiceFlagsSource, council: str, codes: Iterable[str]) -> ResolvedFlags:
    known = source.service_flags(council)
    flags = dict(known)
    unknown = sorted(set(codes) - set(known))
    for code in unknown:
        flags[code] = ServiceFlags.model_construct(code=code, counts_toward_channel_shift=True, online_only=False)
    return ResolvedFlags(flags=flags, unknown=tuple(unknown))


class RegistryServiceFlags:
    """The flags every installed service module declares for its services."""

    def __init__(self, registry: ModuleRegistry) -> None:
        self._flags = MappingProxyType(
            {
                service.code: ServiceFlags(
                    code=service.code,
                    counts_toward_channel_shift=service.counts_toward_channel_shift,
                    online_only=service.online_only,
                )
                for module in registry.modules
                for service in module.services
            }
        )

    def service_flags(self, council: str) -> Mapping[str, ServiceFlags]:
        return self._flags
