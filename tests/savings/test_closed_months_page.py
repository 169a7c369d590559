"""A council admin signs a month's figures off from the savings pages: a GOV.UK form, a confirmation page,
then the month is closed and listed. Officers see the closed months and every reopening (an operator's,
through the admin API, with its reason) but cannot close one."""

from __future__ import annotations

from datetime import date

import httpx

from civicshare.identity.dev_identity import DevIdentity
from civicshare.identity.directory import CouncilOrganization
from civicshare.identity.principal import Role
from civicshare.modules.working_days import uk_today
from civicshare.tenancy.context import TenantContext
from tests.auth.conftest import CSRF_INPUT, cookie_header, dev_identity, sign_in_in_browser
from tests.savings.conftest import AS, LiveCouncilFactory
from tests.savings.test_closed_months import operator_key
from tests.support import host_for

__all__ = ["dev_identity", "operator_key"]  # fixtures
PAGE = "/staff/savings/closed-months"


async def signed_in(
    http: httpx.AsyncClient, dev_identity: DevIdentity, council: TenantContext, role: Role
) -> dict[str, str]:
    await dev_identity.ensure_council(CouncilOrganization(council.slug, council.name, (), True, ()))
    email = f"{role.value}-page-{council.slug}@example.org"
    await dev_identity.add_staff(council.slug, email, role)
    async with httpx.AsyncClient(base_url=http.base_url) as browser:
        cookies = await sign_in_in_browser(browser, council.slug, email)
    return {**host_for(council.slug), "Accept": "text/html", **cookie_header(cookies)}


def token_of(page: httpx.Response) -> str:
    found = CSRF_INPUT.search(page.text)
    assert found is not None
    return found[1]


def last_month() -> date:
    return (uk_today().replace(day=1) - date.resolution).replace(day=1)


async def test_a_council_admin_closes_a_month_after_confirming_it(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council()
    admin = await signed_in(http, dev_identity, council, Role.COUNCIL_ADMIN)
    month = last_month()
    value, name = month.isoformat()[:7], month.strftime("%B %Y")

    form = await http.get(PAGE, headers=admin)
    assert form.status_code == 200
    assert "No month is closed." in form.text
    assert f'<option value="{value}">{name}</option>' in form.text

    check = await http.post(
        f"{PAGE}/check", data={"month": value, "note": "signed off by the s151 officer", "csrf_token": token_of(form)},
        headers=admin,
    )  # fmt: skip
    assert check.status_code == 200
    assert f"Are you sure you want to close {name}?" in check.text
    assert f"Close {name}</button>" in check.text
    closed_api = await http.get("/api/v1/savings/closed-months", headers=host_for(council.slug))
    assert closed_api.json()["closed"] == []  # nothing closed until confirmed

    done = await http.post(
        PAGE, data={"month": value, "note": "signed off by the s151 officer", "csrf_token": token_of(check)},
        headers=admin,
    )  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"{PAGE}?closed={value}")

    page = await http.get(PAGE, params={"closed": value}, headers=admin)
    assert f"{name} is closed" in page.text
    assert "(council-admin)" in page.text
    assert "signed off by the s151 officer" in page.text
    assert f'<option value="{value}">' not in page.text  # no longer offered
    (closed,) = (await http.get("/api/v1/savings/closed-months", headers=host_for(council.slug))).json()["closed"]
    assert (closed["month"], closed["note"]) == (value, "signed off by the s151 officer")
    assert closed["closed_by"].endswith("(council-admin)")

    # The dashboard links to the page.
    dashboard = await http.get("/staff/savings", headers=admin)
    assert 'closed-months">Closed months</a>' in dashboard.text


async def test_a_month_that_cannot_be_closed_gets_a_clear_message(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity
) -> None:
    council = await live_council()
    admin = await signed_in(http, dev_identity, council, Role.COUNCIL_ADMIN)
    form = await http.get(PAGE, headers=admin)
    this_month = uk_today().isoformat()[:7]
    for month, message in (
        (this_month, "has not ended yet, so it cannot be closed"),
        ("2999-01", "has not ended yet"),
        ("", "Select the month to close"),
        ("March", "Give the month as YYYY-MM"),
    ):
        refused = await http.post(f"{PAGE}/check", data={"month": month, "csrf_token": token_of(form)}, headers=admin)
        assert refused.status_code == 400, month
        assert "govuk-error-summary" in refused.text
        assert message in refused.text
        confirmed = await http.post(PAGE, data={"month": month, "csrf_token": token_of(form)}, headers=admin)
        assert confirmed.status_code == 400, month
    # Without the page's token, nothing is closed.
    forged = await http.post(PAGE, data={"month": last_month().isoformat()[:7]}, headers=admin)
    assert forged.status_code == 403
    assert (await http.get("/api/v1/savings/closed-months", headers=host_for(council.slug))).json()["closed"] == []


async def test_officers_see_closed_months_and_an_operators_reopening_but_cannot_close_one(
    http: httpx.AsyncClient, live_council: LiveCouncilFactory, dev_identity: DevIdentity, operator_key: str
) -> None:
    council = await live_council()
    officer = await signed_in(http, dev_identity, council, Role.COUNCIL_STAFF)
    closing = await http.post(
        "/api/v1/savings/closed-months",
        json={"month": "2024-03"},
        headers={**host_for(council.slug), AS: "council-admin"},
    )
    assert closing.status_code == 200, closing.text
    reopened = await http.post(
        f"/admin/v1/councils/{council.slug}/closed-months/2024-03/reopen",
        json={"reason": "late calls from the contact centre"},
        headers={"Authorization": f"Bearer {operator_key}"},
    )
    assert reopened.status_code == 200, reopened.text

    page = await http.get(PAGE, headers=officer)
    assert page.status_code == 200
    assert "Close a month" not in page.text  # officers see, admins close
    history = page.text.split("Closings and reopenings", 1)[1]
    assert history.index("Reopened") < history.index("Closed")  # newest first
    assert "late calls from the contact centre" in history
    assert "operator finance operator" in history
    assert "March 2024" in history

    form_token = token_of(await http.get("/staff/savings", headers=officer))
    refused = await http.post(f"{PAGE}/check", data={"month": "2024-03", "csrf_token": form_token}, headers=officer)
    assert refused.status_code == 403
