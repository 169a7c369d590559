"""Waste services: missed bins, new or replacement bins, the garden waste subscription."""

from __future__ import annotations

from civicshare.modules import (
    Answers,
    Category,
    FormStep,
    Open311Service,
    Price,
    ServiceDefinition,
    application_workflow,
    report_workflow,
)
from civicshare_waste.forms import AddressForm, GardenWasteForm, MissedBinForm, NewBinForm
from civicshare_waste.settings import WasteSettings


def garden_waste_fee(answers: Answers, settings: WasteSettings) -> int:
    """A year's subscription: the council's price per bin times the number of bins."""
    return settings.garden_waste_price_per_bin_pence * int(answers["bins"])


def bin_delivery_fee(answers: Answers, settings: WasteSettings) -> int | None:
    return settings.bin_delivery_fee_pence or None


_ADDRESS = FormStep(code="address", title="What is your address?", form=AddressForm)

report_missed_bin = ServiceDefinition[WasteSettings](
    code="report-missed-bin",
    title="Report a missed bin collection",
    category=Category.BINS,
    summary="Tell us if your bin was not emptied on collection day.",
    steps=(_ADDRESS, FormStep(code="bin", title="Which bin was missed?", form=MissedBinForm)),
    workflow=report_workflow(sla_working_days=2),
    sla_working_days=lambda settings: settings.missed_bin_sla_working_days,
    open311=Open311Service(
        service_code="report-missed-bin",
        service_name="Missed bin collection",
        description="A household bin that was not emptied on collection day",
        group="Bins and recycling",
        keywords=("missed bin", "collection"),
    ),
    before_you_start=("your address", "which bin was missed, and on which collection day"),
)

order_bin = ServiceDefinition[WasteSettings](
    code="order-bin",
    title="Order a new or replacement bin",
    category=Category.BINS,
    summary="Order a bin for a new home, or replace one that is damaged or stolen.",
    steps=(_ADDRESS, FormStep(code="bin", title="Which bin do you need?", form=NewBinForm)),
    workflow=application_workflow(sla_working_days=10),
    sla_working_days=lambda settings: settings.new_bin_sla_working_days,
    fee=bin_delivery_fee,
    price=lambda settings: Price(settings.bin_delivery_fee_pence, "a bin"),
    before_you_start=("your address", "which bin you need, and why"),
)

garden_waste_subscription = ServiceDefinition[WasteSettings](
    code="garden-waste-subscription",
    title="Subscribe to garden waste collection",
    category=Category.BINS,
    summary="Pay for a year of fortnightly garden waste collections.",
    steps=(_ADDRESS, FormStep(code="subscription", title="Your subscription", form=GardenWasteForm)),
    workflow=application_workflow(sla_working_days=10, paid=True),
    fee=garden_waste_fee,
    price=lambda settings: Price(settings.garden_waste_price_per_bin_pence, "a bin for a year"),
    before_you_start=("your address", "how many garden waste bins you want", "a debit or credit card"),
)

SERVICES = (report_missed_bin, order_bin, garden_waste_subscription)
