"""The sandbox lets a demo resident pay, be declined or give up, on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicshare.payments import (
    PaymentProvider,
    PaymentStatus,
    SandboxOutcome,
    SandboxPaymentProvider,
    UnknownPayment,
)
from civicshare.payments.sandbox import PaymentAlreadyFinished

RETURN_URL = "https://kingston.localhost/services/garden-waste-subscription/paid"


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxPaymentProvider:
    return SandboxPaymentProvider(store_dir=tmp_path)


async def start(sandbox: SandboxPaymentProvider) -> str:
    session = await sandbox.create_payment(10000, "KNG-2026-000123", "Garden waste, 2 bins", RETURN_URL)
    assert session.status is PaymentStatus.CREATED
    assert session.next_url == f"/sandbox-payments/{session.id}"
    return session.id


def test_the_sandbox_fits_the_payment_port(sandbox: SandboxPaymentProvider) -> None:
    assert isinstance(sandbox, PaymentProvider)


async def test_the_success_test_card_pays_and_returns_the_resident_to_the_service(
    sandbox: SandboxPaymentProvider,
) -> None:
    payment_id = await start(sandbox)

    back_to = sandbox.pay_with_card(payment_id, "4444 3333 2222 1111")

    assert back_to == RETURN_URL
    assert await sandbox.get_status(payment_id) is PaymentStatus.SUCCESS


async def test_the_decline_test_card_is_declined(sandbox: SandboxPaymentProvider) -> None:
    payment_id = await start(sandbox)

    sandbox.pay_with_card(payment_id, "4000000000000002")

    assert await sandbox.get_status(payment_id) is PaymentStatus.DECLINED


async def test_an_unknown_card_is_declined_not_paid(sandbox: SandboxPaymentProvider) -> None:
    payment_id = await start(sandbox)

    sandbox.pay_with_card(payment_id, "5555555555554444")

    assert await sandbox.get_status(payment_id) is PaymentStatus.DECLINED


async def test_a_resident_who_gives_up_leaves_an_abandoned_payment(sandbox: SandboxPaymentProvider) -> None:
    payment_id = await start(sandbox)

    sandbox.choose(payment_id, SandboxOutcome.ABANDON)

    assert await sandbox.get_status(payment_id) is PaymentStatus.ABANDONED


async def test_a_finished_payment_cannot_be_paid_again(sandbox: SandboxPaymentProvider) -> None:
    payment_id = await start(sandbox)
    sandbox.choose(payment_id, SandboxOutcome.DECLINE)

    with pytest.raises(PaymentAlreadyFinished):
        sandbox.pay_with_card(payment_id, "4444333322221111")


async def test_sandbox_payments_say_they_are_sandbox(sandbox: SandboxPaymentProvider) -> None:
    payment_id = await start(sandbox)

    assert sandbox.payment(payment_id).description.startswith("[SANDBOX]")
    assert payment_id.startswith("sandbox-")
    assert "no real money" in sandbox.name


async def test_asking_about_a_payment_the_sandbox_never_made_is_an_error(sandbox: SandboxPaymentProvider) -> None:
    with pytest.raises(UnknownPayment):
        await sandbox.get_status("sandbox-0000")


async def test_a_payment_started_by_one_worker_is_finished_on_another_and_only_once(tmp_path: Path) -> None:
    started_by, finished_by = SandboxPaymentProvider(store_dir=tmp_path), SandboxPaymentProvider(store_dir=tmp_path)
    payment_id = await start(started_by)

    assert finished_by.payment(payment_id).reference == "KNG-2026-000123"
    assert finished_by.pay_with_card(payment_id, "4444333322221111") == RETURN_URL
    assert await started_by.get_status(payment_id) is PaymentStatus.SUCCESS
    with pytest.raises(PaymentAlreadyFinished):
        started_by.choose(payment_id, SandboxOutcome.ABANDON)
    assert await finished_by.get_status(payment_id) is PaymentStatus.SUCCESS


def test_a_payment_id_that_is_not_one_is_unknown(tmp_path: Path) -> None:
    sandbox = SandboxPaymentProvider(store_dir=tmp_path)
    for odd in ("../etc/passwd", "sandbox-../../x", "sandbox-"):
        with pytest.raises(UnknownPayment):
            sandbox.payment(odd)
