"""Parking services: resident permits, and paying or challenging a penalty charge notice."""

from __future__ import annotations

from civicshare.modules import (
    Answers,
    AttachmentPolicy,
    Category,
    EligibilityRule,
    FormStep,
    Price,
    ServiceDefinition,
    application_workflow,
    payment_workflow,
    uk_today,
)
from civicshare_parking.forms import (
    ChallengeForm,
    PayPenaltyChargeForm,
    PenaltyChargeForm,
    PermitAddressForm,
    PermitForm,
    VehicleForm,
)
from civicshare_parking.notices import penalty_notices
from civicshare_parking.settings import ParkingSettings


def permit_fee(answers: Answers, settings: ParkingSettings) -> int:
    """A zone's own price if the council set one, else its standard permit price."""
    return settings.zone_permit_prices_pence.get(str(answers["zone"]), settings.permit_price_pence)


def permit_price(settings: ParkingSettings) -> Price:
    cheapest = min([settings.permit_price_pence, *settings.zone_permit_prices_pence.values()])
    dearest = max([settings.permit_price_pence, *settings.zone_permit_prices_pence.values()])
    return Price(cheapest, "a year" if cheapest == dearest else "a year, or more in some zones")


def penalty_price(settings: ParkingSettings) -> Price:
    discounted = settings.penalty_charge_pence * (100 - settings.penalty_discount_percent) // 100
    note = None
    if settings.penalty_discount_percent and settings.penalty_discount_days:
        note = (
            f"It is reduced to £{discounted / 100:,.2f} if you pay within {settings.penalty_discount_days} days"
            " of the date the notice was issued."
        ).replace(".00 ", " ")
    return Price(settings.penalty_charge_pence, note=note)


def penalty_charge(answers: Answers, settings: ParkingSettings) -> int:
    """What the notice says is due, with the discount when paid within its discount period."""
    today = uk_today()
    notice = penalty_notices(settings, today).find(str(answers["pcn_number"]), str(answers["registration"]))
    return settings.penalty_charge_pence if notice is None else notice.amount_due(settings, today)


def outside_permit_zone(answers: Answers, settings: ParkingSettings) -> bool:
    if "address_line" not in answers or "postcode" not in answers:
        return False
    return not settings.in_permit_zone(str(answers["address_line"]), str(answers["postcode"]))


resident_parking_permit = ServiceDefinition[ParkingSettings](
    code="resident-parking-permit",
    title="Apply for a resident parking permit",
    category=Category.PARKING,
    summary="Buy a yearly permit to park in your residents' parking zone.",
    steps=(
        FormStep(code="address", title="Your address", form=PermitAddressForm),
        FormStep(code="vehicle", title="Your vehicle", form=VehicleForm),
        FormStep(code="permit", title="Your permit", form=PermitForm),
    ),
    workflow=application_workflow(sla_working_days=5, paid=True),
    sla_working_days=lambda settings: settings.permit_sla_working_days,
    fee=permit_fee,
    price=permit_price,
    before_you_start=(
        "your address, which must be in a residents' parking zone",
        "your vehicle registration number",
        "proof that you live at the address, such as a council tax bill or tenancy agreement, as a photo or PDF",
        "a debit or credit card",
    ),
    eligibility=(
        EligibilityRule[ParkingSettings](
            code="outside-permit-zone",
            step="address",
            ineligible_when=outside_permit_zone,
            title="You cannot get a resident parking permit for this address",
            reason="Resident parking permits are only for addresses in a residents' parking zone, and this"
            " address is not in one.",
            instead=(
                "You do not need a permit to park on streets outside a parking zone, unless signs say otherwise.",
                "If you think your street is in a zone, check the signs at the entrance to it and contact us.",
            ),
        ),
    ),
    attachments=AttachmentPolicy(
        allowed_types=frozenset({"image/jpeg", "image/png", "application/pdf"}),
        max_count=3,
        required=True,
        noun="document",
        prompt="Upload proof that you live at the address",
    ),
)

pay_penalty_charge = ServiceDefinition[ParkingSettings](
    code="pay-penalty-charge",
    title="Pay a penalty charge notice",
    category=Category.PARKING,
    summary="Pay a parking fine (penalty charge notice) online.",
    steps=(FormStep(code="notice", title="Your penalty charge notice", form=PayPenaltyChargeForm),),
    workflow=payment_workflow(),
    fee=penalty_charge,
    price=penalty_price,
    payment_kind="payment",
    before_you_start=(
        "your penalty charge notice number, from the notice",
        "your vehicle registration number",
        "a debit or credit card",
    ),
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
