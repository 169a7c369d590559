"""Parking services: resident permits, and paying or challenging a penalty charge notice."""

from __future__ import annotations

from civicshare.modules import (
    Answers,
    AttachmentPolicy,
    Category,
    FormStep,
    ServiceDefinition,
    application_workflow,
    payment_workflow,
)
from civicshare_parking.forms import ChallengeForm, PenaltyChargeForm, PermitForm, VehicleForm
from civicshare_parking.settings import ParkingSettings


def permit_fee(answers: Answers, settings: ParkingSettings) -> int:
    """A zone's own price if the council set one, else its standard permit price."""
    return settings.zone_permit_prices_pence.get(str(answers["zone"]), settings.permit_price_pence)


def penalty_charge(answers: Answers, settings: ParkingSettings) -> int:
    return settings.penalty_charge_pence


resident_parking_permit = ServiceDefinition[ParkingSettings](
    code="resident-parking-permit",
    title="Apply for a resident parking permit",
    category=Category.PARKING,
    summary="Buy a yearly permit to park in your residents' parking zone.",
    steps=(
        FormStep(code="vehicle", title="Your vehicle", form=VehicleForm),
        FormStep(code="permit", title="Your permit", form=PermitForm),
    ),
    workflow=application_workflow(sla_working_days=5, paid=True),
    sla_working_days=lambda settings: settings.permit_sla_working_days,
    fee=permit_fee,
)

pay_penalty_charge = ServiceDefinition[ParkingSettings](
    code="pay-penalty-charge",
    title="Pay a penalty charge notice",
    category=Category.PARKING,
    summary="Pay a parking fine (penalty charge notice) online.",
    steps=(FormStep(code="notice", title="Your penalty charge notice", form=PenaltyChargeForm),),
    workflow=payment_workflow(),
    fee=penalty_charge,
    online_only=True,
    counts_toward_channel_shift=False,
)

challenge_penalty_charge = ServiceDefinition[ParkingSettings](
    code="challenge-penalty-charge",
    title="Challenge a penalty charge notice",
    category=Category.PARKING,
    summary="Tell us why you think a penalty charge notice should be cancelled.",
    steps=(
        FormStep(code="notice", title="Your penalty charge notice", form=PenaltyChargeForm),
        FormStep(code="grounds", title="Why are you challenging it?", form=ChallengeForm),
    ),
    workflow=application_workflow(sla_working_days=20),
    sla_working_days=lambda settings: settings.challenge_sla_working_days,
    attachments=AttachmentPolicy(
        allowed_types=frozenset({"image/jpeg", "image/png", "application/pdf"}), max_count=5, noun="file"
    ),
)

SERVICES = (resident_parking_permit, pay_penalty_charge, challenge_penalty_charge)
