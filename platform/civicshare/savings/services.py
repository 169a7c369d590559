"""What the savings engine needs to know about a service: whether it is in the channel-shift figure."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

SERVICE_CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class UnknownServiceError(ValueError):
    """Counts name a service the caller did not describe, so we cannot tell how to count it."""


class ServiceFlags(BaseModel):
    """A service such as ``report-pothole``.

    Online-only services (paying a penalty charge, paying council tax) are always digital, so they are
    left out of the channel-shift figure whatever ``counts_toward_channel_shift`` says: including them
    would overstate the shift. A council may also leave out other services by setting
    ``counts_toward_channel_shift`` to false.
    """

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=SERVICE_CODE_PATTERN)
    counts_toward_channel_shift: bool = True
    online_only: bool = False

    @property
    def in_channel_shift_figure(self) -> bool:
        return self.counts_toward_channel_shift and not self.online_only


def service_catalogue(services: Iterable[ServiceFlags]) -> dict[str, ServiceFlags]:
    """Index services by code, refusing the same code twice."""
    catalogue: dict[str, ServiceFlags] = {}
    for service in services:
        if service.code in catalogue:
            raise ValueError(f"Service {service.code!r} is described twice")
        catalogue[service.code] = service
    return catalogue
