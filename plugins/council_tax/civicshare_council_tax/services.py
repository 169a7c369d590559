"""Council tax services: single person discount, telling us you are moving, paying."""

from __future__ import annotations

import re
from typing import Any

from civicshare.modules import (
    Answers,
    Category,
    EligibilityRule,
    FormStep,
    PersonalData,
    ServiceDefinition,
    Submission,
    answered,
    application_workflow,
    payment_workflow,
)
from civicshare.modules.working_days import UK_TIME
from civicshare_council_tax.forms import (
    AccountForm,
    DisregardedAdultsForm,
    ForwardingAddressForm,
    LivingAloneForm,
    MoveForm,
    NewAddressForm,
    PaymentForm,
)
from civicshare_council_tax.settings import CouncilTaxSettings


def _moving_to_our_area(answers: Answers) -> bool:
    return answers.get("move_type") in ("within", "into")


def _leaving_our_area(answers: Answers) -> bool:
    return answers.get("move_type") == "out_of"


def open_new_account(answers: Answers, settings: CouncilTaxSettings, submission: Submission) -> dict[str, Any]:
    """A resident moving into or within the area gets their new account the day they tell us.

    The account reference is the council's prefix and the move's transaction number, so it is
    unique without asking the back office first; the back office adopts it when it syncs.
    """
    if not _moving_to_our_area(answers):
        return {"final_bill_requested": True}
    number = "".join(re.findall(r"[0-9]+", submission.reference.split("-", 1)[-1]))
    return {
        "new_account_reference": f"{settings.new_account_prefix}{number}",
        "account_opened_on": submission.submitted_at.astimezone(UK_TIME).date().isoformat(),
        "liable_from": answers["moving_date"].isoformat(),
    }


def payment_amount(answers: Answers, settings: CouncilTaxSettings) -> int:
    return int(answers["amount"])


# Council tax records are financial records: kept six years after the request closes.
COUNCIL_TAX_RECORDS = PersonalData(
    purpose="to work out and collect the council tax you owe, as the law requires",
    lawful_basis="legal obligation: the Local Government Finance Act 1992",
    shared_with="the council's revenues team, and the Valuation Office Agency where your band is concerned",
    retention_months=72,
)


single_person_discount = ServiceDefinition[CouncilTaxSettings](
    code="single-person-discount",
    title="Apply for a single person discount",
    category=Category.COUNCIL_TAX,
    summary="Get money off your council tax bill if you are the only adult living in your home.",
    steps=(
        FormStep(code="account", title="Your council tax account", form=AccountForm),
        FormStep(code="living-alone", title="Who lives with you", form=LivingAloneForm),
        FormStep(
            code="other-adult",
            title="The other adult in your home",
            form=DisregardedAdultsForm,
            condition=lambda answers: answers.get("other_adults") == "yes",
        ),
    ),
    workflow=application_workflow(sla_working_days=10),
    sla_working_days=lambda settings: settings.discount_sla_working_days,
    personal_data=COUNCIL_TAX_RECORDS,
    before_you_start=(
        "your council tax account number, from the top of your bill",
        "the date you started living on your own",
    ),
    eligibility=(
        EligibilityRule[CouncilTaxSettings](
            code="another-adult",
            step="other-adult",
            ineligible_when=answered(other_adults="yes", other_adult_status="none"),
            title="You cannot get a single person discount",
            reason=(
                "A single person discount is only for a home where one adult lives. Adults who are full-time"
                " students, carers or severely mentally impaired are not counted, but you told us the other"
                " adult who lives with you is none of these."
            ),
            instead=(
                "If the other adult moves out, apply again from the day they leave.",
                "If you are on a low income, you may be able to get council tax support instead: contact us to ask.",
            ),
        ),
    ),
)

tell_us_you_are_moving = ServiceDefinition[CouncilTaxSettings](
    code="tell-us-you-are-moving",
    title="Tell us you are moving home",
    category=Category.COUNCIL_TAX,
    summary="Move your council tax account when you move into, within or out of the area.",
    steps=(
        FormStep(code="account", title="Your council tax account", form=AccountForm),
        FormStep(code="move", title="Your move", form=MoveForm),
        FormStep(code="new-address", title="Your new home", form=NewAddressForm, condition=_moving_to_our_area),
        FormStep(
            code="forwarding-address",
            title="Your final bill",
            form=ForwardingAddressForm,
            condition=_leaving_our_area,
        ),
    ),
    workflow=application_workflow(sla_working_days=1),
    sla_working_days=lambda settings: settings.move_sla_working_days,
    before_you_start=(
        "your council tax account number, from the top of your bill",
        "the date you are moving",
        "your new address, or where we should send your final bill",
    ),
    on_submitted=open_new_account,
    personal_data=COUNCIL_TAX_RECORDS,
)

pay_council_tax = ServiceDefinition[CouncilTaxSettings](
    code="pay-council-tax",
    title="Pay your council tax",
    category=Category.COUNCIL_TAX,
    summary="Pay your council tax bill by debit or credit card.",
    steps=(
        FormStep(code="account", title="Your council tax account", form=AccountForm),
        FormStep(code="amount", title="How much to pay", form=PaymentForm),
    ),
    workflow=payment_workflow(),
    fee=payment_amount,
    payment_kind="payment",
    before_you_start=("your council tax account number, from the top of your bill", "a debit or credit card"),
    online_only=True,
    counts_toward_channel_shift=False,
    personal_data=COUNCIL_TAX_RECORDS,
)

SERVICES = (single_person_discount, tell_us_you_are_moving, pay_council_tax)
