"""The back office under `/staff/` on a council's own address: every page declares its permission
(`civicshare.policy`) and gets the staff visit."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from civicshare.api.access import SignInRequired
from civicshare.staff import (
    assigning,
    assisted,
    bulk,
    contacts,
    deliveries,
    email_pages,
    feedback_page,
    pages,
    privacy_pages,
    queue_tools,
    responses,
    savings_closing,
    savings_page,
    system_keys,
    team,
    transfers,
    webhooks,
)
from civicshare.staff.visit import provide_staff_visit, sign_in_first

staff_router = Router(
    path="/staff",
    route_handlers=[
        *pages.HANDLERS,
        *transfers.HANDLERS,
        *assigning.HANDLERS,
        *queue_tools.HANDLERS,
        *bulk.HANDLERS,
        *responses.HANDLERS,
        *team.HANDLERS,
        *savings_page.HANDLERS,
        *savings_closing.HANDLERS,
        *feedback_page.HANDLERS,
        *assisted.HANDLERS,
        *contacts.HANDLERS,
        *email_pages.HANDLERS,
        *privacy_pages.HANDLERS,
        *deliveries.HANDLERS,
        *system_keys.HANDLERS,
        *webhooks.HANDLERS,
    ],
    dependencies={"staff_visit": Provide(provide_staff_visit)},
    exception_handlers={SignInRequired: sign_in_first},
    include_in_schema=False,
)
