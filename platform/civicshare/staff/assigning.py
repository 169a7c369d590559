"""Giving a request to someone else or to a team: a page of its own, so the request's page does not ask
the identity provider for the council's staff every time it is opened."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from civicshare.api.authentication import identity_of, identity_unavailable
from civicshare.casework.service import Officer, assign, assign_team
from civicshare.casework.teams import council_teams
from civicshare.db.engine import tenant_connection
from civicshare.identity.directory import StaffMember, UnknownCouncil
from civicshare.identity.tokens import IdentityUnavailable
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit
from civicshare.web.site import FieldError

NOBODY = "nobody"
NO_TEAM = "none"


async def _staff(visit: StaffVisit) -> list[StaffMember]:
    try:
        return await identity_of(visit.services).directory.staff_of(visit.web.council.slug)
    except (IdentityUnavailable, UnknownCouncil):
        raise identity_unavailable() from None


async def _page(visit: StaffVisit, reference: str, *, errors: list[FieldError] | None = None) -> Response[Any]:
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        row = await visit.request_row(connection, reference)
        teams = await council_teams(connection)
    people = await _staff(visit)
    return visit.page(
        "staff/assign.html",
        status=400 if errors else 200,
        title=f"Assign request {row['reference']}",
        current="staff-queue",
        errors=errors or [],
        reference=row["reference"],
        people=[{"value": NOBODY, "label": "Nobody"}]
        + [{"value": person.subject, "label": f"{person.name} ({person.email})"} for person in people],
        teams=[{"value": NO_TEAM, "label": "No team"}]
        + [{"value": str(team.id), "label": team.name} for team in teams],
        chosen_person=row["assignee_subject"] or NOBODY,
        chosen_team=str(row["assigned_team_id"]) if row["assigned_team_id"] else NO_TEAM,
    )


@get("/requests/{reference:str}/assign", opt=requires(Permission.CHANGE_REQUESTS))
async def assign_page(staff_visit: NamedDependency[StaffVisit], reference: FromPath[str]) -> Response[Any]:
    return await _page(staff_visit, reference)


@post("/requests/{reference:str}/assign", opt=requires(Permission.CHANGE_REQUESTS))
async def assign_request(
    staff_visit: NamedDependency[StaffVisit], reference: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    person_choice, team_choice = form.get("person", ""), form.get("team", "")
    people = {person.subject: person for person in await _staff(visit)}
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        teams = {str(team.id): team for team in await council_teams(connection)}
        errors = []
        if person_choice != NOBODY and person_choice not in people:
            errors.append(FieldError("person", "Select a member of staff, or nobody"))
        if team_choice != NO_TEAM and team_choice not in teams:
            errors.append(FieldError("team", "Select a team, or no team"))
        row = await visit.request_row(connection, reference, for_update=True)
        if not errors:
            officer = visit.casework_officer
            chosen = people.get(person_choice)
            if (chosen.subject if chosen else None) != row["assignee_subject"]:
                to = Officer(chosen.subject, chosen.name) if chosen else None
                await assign(connection, row["id"], row["reference"], officer, to)
            team = teams.get(team_choice)
            if (team.id if team else None) != row["assigned_team_id"]:
                await assign_team(connection, row["id"], row["reference"], officer, team.id if team else None,
                                  team.name if team else None)  # fmt: skip
    if errors:
        return await _page(visit, reference, errors=errors)
    return visit.redirect(f"/staff/requests/{row['reference']}?done=assigned")


HANDLERS = [assign_page, assign_request]
