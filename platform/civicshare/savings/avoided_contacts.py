"""The avoided-contact estimate: digital sessions that each stood in for a costlier contact.

sessions x avoidance rate x unit cost of the avoided channel; for example an app with 40,000 sessions,
a fifth of them avoiding a £2.83 phone call, saves 40,000 x 0.2 x £2.83 = £22,640.

It is a separate, assumption-based estimate and is never added to the baseline-mix savings: the two
measure overlapping effects and adding them would count some savings twice.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from civicshare.savings.channels import Channel
from civicshare.savings.money import round_to_penny


class AvoidedContactAssumptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    sessions: int = Field(ge=0)
    avoidance_rate: Decimal = Field(ge=0, le=1)
    avoided_channel: Channel = Channel.PHONE


class AvoidedContactEstimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    sessions: int
    avoidance_rate: Decimal
    avoided_channel: Channel
    unit_cost: Decimal
    avoided_contacts: Decimal
    savings: Decimal


def estimate_avoided_contacts(assumptions: AvoidedContactAssumptions, unit_cost: Decimal) -> AvoidedContactEstimate:
    avoided_contacts = assumptions.sessions * assumptions.avoidance_rate
    return AvoidedContactEstimate(
        sessions=assumptions.sessions,
        avoidance_rate=assumptions.avoidance_rate,
        avoided_channel=assumptions.avoided_channel,
        unit_cost=unit_cost,
        avoided_contacts=avoided_contacts,
        savings=round_to_penny(avoided_contacts * unit_cost),
    )
