"""The plugin contract: what a council service module declares to the core.

A plugin distribution registers one `ServiceModule` (or a zero-argument factory returning one)
under the entry-point group `civicshare.modules`. The core reads these declarations and never
imports a plugin by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Literal

from litestar.types import ControllerRouterHandler
from sqlalchemy import MetaData

from civicshare.modules.answers import StepForm
from civicshare.modules.attachments import AttachmentPolicy
from civicshare.modules.configuration import SettingsT
from civicshare.modules.open311 import Open311Service
from civicshare.modules.personal_data import PersonalData
from civicshare.modules.workflow import Workflow

ENTRY_POINT_GROUP = "civicshare.modules"

Answers = Mapping[str, Any]
"""A service's validated answers, flat: field name -> value, across all of its steps."""

_MODULE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_SERVICE_CODE = re.compile(r"^[a-z][a-z0-9-]*$")


class Category(StrEnum):
    """The groups residents find services under on a council's home page."""

    ROADS = "Roads and streets"
    BINS = "Bins and recycling"
    PARKING = "Parking"
    COUNCIL_TAX = "Council tax"
    PLANNING = "Planning and building"


@dataclass(frozen=True)
class Submission:
    """What the core knows when a transaction is submitted, passed to `on_submitted` hooks."""

    reference: str
    submitted_at: datetime
    council: str


@dataclass(frozen=True, kw_only=True)
class FormStep:
    """One page of a form: a pydantic model, a title, and when it applies.

    `condition` receives the answers given on earlier steps; the step is skipped (and its answers
    dropped) when it returns False.
    """

    code: str
    title: str
    form: type[StepForm]
    condition: Callable[[Answers], bool] | None = None

    def applies(self, earlier_answers: Answers) -> bool:
        return self.condition is None or self.condition(earlier_answers)


@dataclass(frozen=True)
class Price:
    """A service's price as its start page states it, before any answers: 6000 pence "a bin", and a
    sentence about when it differs (`note`: a discount for paying early)."""

    pence: int
    unit: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.pence, bool) or not isinstance(self.pence, int) or self.pence < 0:
            raise ValueError(f"a price is whole pence, not {self.pence!r}")


@dataclass(frozen=True, kw_only=True)
class EligibilityRule(Generic[SettingsT]):
    """Answers that mean the resident cannot have the service: the core stops the form there and shows
    an exit page (`title`, `reason`, what to do `instead`), and refuses such a submission from any channel.

    `ineligible_when(answers, settings)` sees the answers given so far (a question not yet answered is
    missing) and returns True when they rule the resident out. `step` is where the deciding answer is
    asked, so the exit page can offer to change it.
    """

    code: str
    step: str
    ineligible_when: Callable[[Answers, SettingsT], bool]
    title: str
    reason: str
    instead: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not _SERVICE_CODE.match(self.code):
            raise ValueError(f"eligibility rule code {self.code!r} must be lowercase words joined by hyphens")


def answered(**expected: Any) -> Callable[[Answers, Any], bool]:
    """An `ineligible_when` for the simple case: every named question has exactly this answer."""

    def matches(answers: Answers, settings: Any) -> bool:
        return all(name in answers and answers[name] == value for name, value in expected.items())

    return matches


FeeRule = Callable[[Answers, SettingsT], int | None]
PriceRule = Callable[[SettingsT], Price | None]
SlaRule = Callable[[SettingsT], int | None]
SubmittedHook = Callable[[Answers, SettingsT, Submission], Mapping[str, Any]]
TablesHook = Callable[[MetaData], None]
RoutesHook = Callable[[], Sequence[ControllerRouterHandler]]


@dataclass(frozen=True, kw_only=True)
class ServiceDefinition(Generic[SettingsT]):
    """One transaction type a resident can do, such as "report-pothole".

    - `fee(answers, settings)` returns pence, or None when the service is free.
    - `sla_working_days(settings)` overrides the workflow's service level agreement per council.
    - `on_submitted(answers, settings, submission)` returns derived data stored with the
      transaction (for a house move: the new council tax account reference).
    - Online-only services (payments) never count toward the channel-shift figure.
    - `personal_data` says which answers are personal, why, who sees them and the default retention.

    What the start page tells a resident (all optional, for modules written before it had them):
    - `price(settings)`: the price known before any answers (garden waste: £60 a bin).
    - `payment_kind`: "fee" when the money buys the service, "payment" when the resident pays what
      they owe (council tax, a penalty charge): a payment never calls itself a fee.
    - `before_you_start`: what the resident needs to hand, one sentence each.
    - `eligibility`: rules that end the form on an exit page instead of a request (`EligibilityRule`).
    - `search_terms` are everyday words residents search for this service by, beyond its title and
      summary ("crater" for a pothole); the council's search stems them like every other word.
    - `duplicates_within_metres`: for a located service, how close an open report of the same service
      must be to a new pin for the resident to be shown it (and offered to follow it instead).
    """

    code: str
    title: str
    category: str
    summary: str
    steps: Sequence[FormStep]
    workflow: Workflow
    fee: FeeRule[SettingsT] | None = None
    sla_working_days: SlaRule[SettingsT] | None = None
    counts_toward_channel_shift: bool = True
    online_only: bool = False
    location_required: bool = False
    attachments: AttachmentPolicy | None = None
    open311: Open311Service | None = None
    on_submitted: SubmittedHook[SettingsT] | None = None
    personal_data: PersonalData = field(default_factory=PersonalData)
    price: PriceRule[SettingsT] | None = None
    payment_kind: Literal["fee", "payment"] = "fee"
    before_you_start: Sequence[str] = ()
    eligibility: Sequence[EligibilityRule[SettingsT]] = ()
    search_terms: tuple[str, ...] = ()
    duplicates_within_metres: int = 50

    def __post_init__(self) -> None:
        if not _SERVICE_CODE.match(self.code):
            raise ValueError(f"service code {self.code!r} must be lowercase words joined by hyphens")
        if not self.steps:
            raise ValueError(f"service {self.code!r} has no form steps")
        if self.online_only and self.counts_toward_channel_shift:
            raise ValueError(f"service {self.code!r} is online-only, so it cannot count toward channel shift")
        step_codes = [step.code for step in self.steps]
        if len(set(step_codes)) != len(step_codes):
            raise ValueError(f"service {self.code!r} repeats a step code")
        rule_codes = [rule.code for rule in self.eligibility]
        if len(set(rule_codes)) != len(rule_codes):
            raise ValueError(f"service {self.code!r} repeats an eligibility rule code")
        for rule in self.eligibility:
            if rule.step not in step_codes:
                raise ValueError(f"eligibility rule {rule.code!r} of {self.code!r} names no step of it: {rule.step!r}")
        seen: set[str] = set()
        for step in self.steps:
            repeated = seen & set(step.form.model_fields)
            if repeated:
                raise ValueError(f"service {self.code!r} asks {sorted(repeated)} on more than one step")
            seen |= set(step.form.model_fields)

    def eligibility_rule(self, code: str) -> EligibilityRule[SettingsT]:
        for rule in self.eligibility:
            if rule.code == code:
                return rule
        raise KeyError(f"service {self.code!r} has no eligibility rule {code!r}")

    def step(self, code: str) -> FormStep:
        for step in self.steps:
            if step.code == code:
                return step
        raise KeyError(f"service {self.code!r} has no step {code!r}")


def _no_routes() -> Sequence[ControllerRouterHandler]:
    return ()


@dataclass(frozen=True, kw_only=True)
class ServiceModule(Generic[SettingsT]):
    """A council service module: its services, its settings with defaults, and optional hooks.

    - `settings_model` subclasses ModuleSettings and has a default for every field, so a council
      that enables the module without settings gets sensible behaviour.
    - `min_core_version` is checked when the registry loads the module.
    - `tenant_metadata_tables(metadata)` declares the module's own tables on the core's tenant
      MetaData; table names must start with the module code and an underscore.
    - `routes()` returns extra Litestar route handlers (may be empty); each declares its permission like
      the core's (`opt=requires(Permission.X)` or `opt=PUBLIC`, from `civicshare.policy`), or is refused.
    - `synonyms` maps a word residents type to words the module's services use for the same thing
      (`{"fine": ("penalty",)}`); they add to the platform's own (`civicshare.catalogue.search.SYNONYMS`).
    """

    code: str
    title: str
    summary: str
    version: str
    settings_model: type[SettingsT]
    services: Sequence[ServiceDefinition[SettingsT]]
    min_core_version: str = "0.1"
    tenant_metadata_tables: TablesHook | None = None
    routes: RoutesHook = field(default=_no_routes)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _MODULE_CODE.match(self.code):
            raise ValueError(f"module code {self.code!r} must be lowercase words joined by underscores")
        codes = [service.code for service in self.services]
        if len(set(codes)) != len(codes):
            raise ValueError(f"module {self.code!r} repeats a service code")

    def service(self, code: str) -> ServiceDefinition[SettingsT]:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(f"module {self.code!r} has no service {code!r}")

    def default_settings(self) -> SettingsT:
        return self.settings_model()

    def offered_services(self, settings: SettingsT) -> list[ServiceDefinition[SettingsT]]:
        """The services a council runs, in the module's order."""
        if settings.services_offered is None:
            return list(self.services)
        return [service for service in self.services if service.code in settings.services_offered]
