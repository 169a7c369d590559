"""The council's staff and teams, managed by its administrators in the back office.

Membership of the council is the identity provider's organization membership: adding someone makes
them a member (their account is created if new), removing them ends it and signs them out everywhere at
once. Teams live in the council's schema; a team limited to some services sees only those.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from civicshare.api.authentication import identity_of, identity_unavailable
from civicshare.casework.service import record_action
from civicshare.casework.teams import (
    NAME_MAX_LENGTH,
    TeamNameTaken,
    council_teams,
    create_team,
    join_team,
    leave_every_team,
    leave_team,
    remove_team,
)
from civicshare.catalogue.service import CouncilOfferings
from civicshare.db.engine import tenant_connection
from civicshare.http.problems import Problem
from civicshare.identity.directory import StaffMember, UnknownCouncil
from civicshare.identity.principal import Role
from civicshare.identity.sessions import end_sessions_of
from civicshare.identity.tokens import IdentityUnavailable
from civicshare.policy import Permission, requires
from civicshare.staff.visit import StaffVisit, text_problems
from civicshare.transactions.submission import EMAIL_MESSAGE, valid_email
from civicshare.web.site import FieldError

ROLES = {"council-staff": "Staff", "council-admin": "Administrator"}
DONE = {
    "added": "Member of staff added",
    "removed": "Member of staff removed and signed out",
    "team-created": "Team created",
    "team-removed": "Team removed",
    "joined": "Added to the team",
    "left": "Removed from the team",
}


async def _members(visit: StaffVisit) -> list[StaffMember]:
    try:
        return await identity_of(visit.services).directory.staff_of(visit.web.council.slug)
    except (IdentityUnavailable, UnknownCouncil):
        raise identity_unavailable() from None


def _number(text: str) -> int:
    if not text.isdecimal() or len(text) > 18:
        raise Problem(404, "Team not found", "There is no such team.", name="team-not-found")
    return int(text)


async def _team_page(
    visit: StaffVisit, *, status: int = 200, errors: list[FieldError] | None = None, **values: Any
) -> Response[Any]:
    offerings: CouncilOfferings = await visit.services.offerings.for_council(visit.web.council)
    members = await _members(visit)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        teams = await council_teams(connection)
    titles = {o.code: o.title for o in offerings}
    teams_of: dict[str, list[str]] = {}
    for team in teams:
        for subject, _ in team.members:
            teams_of.setdefault(subject, []).append(team.name)
    return visit.page(
        "staff/team.html",
        status=status,
        title="Staff and teams",
        current="staff-team",
        errors=errors or [],
        members=members,
        teams=teams,
        teams_of=teams_of,
        titles=titles,
        service_options=[{"value": o.code, "label": o.title} for o in offerings],
        role_options=[{"value": value, "label": label} for value, label in ROLES.items()],
        member_options=[{"value": "", "label": "Choose a member of staff"}]
        + [{"value": member.email, "label": f"{member.name} ({member.email})"} for member in members],
        name_max=NAME_MAX_LENGTH,
        **values,
    )


@get("/team", opt=requires(Permission.MANAGE_TEAM))
async def staff_and_teams(
    staff_visit: NamedDependency[StaffVisit], done: FromQuery[str | None] = None
) -> Response[Any]:
    return await _team_page(staff_visit, done=DONE.get(done or ""), typed={})


@post("/team/members", opt=requires(Permission.MANAGE_TEAM))
async def add_member(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    email, role = form.get("email", "").strip().lower(), form.get("role", "")
    errors: list[FieldError] = []
    if not email:
        errors.append(FieldError("email", "Enter their email address"))
    elif len(email) > 254 or not valid_email(email):
        errors.append(FieldError("email", EMAIL_MESSAGE))
    if role not in ROLES:
        errors.append(FieldError("role", "Select whether they are staff or an administrator"))
    if errors:
        return await _team_page(visit, status=400, errors=errors, typed={"email": email, "role": role})
    try:
        await identity_of(visit.services).directory.add_staff(visit.web.council.slug, email, Role(role))
    except (IdentityUnavailable, UnknownCouncil):
        raise identity_unavailable() from None
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        await record_action(connection, visit.casework_officer, "staff-added", member=email, role=role)
    return visit.redirect("/staff/team?done=added")


@post("/team/members/remove", opt=requires(Permission.MANAGE_TEAM))
async def remove_member(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    """End someone's membership of the council: out of its teams and signed out everywhere, at once."""
    visit = staff_visit
    form = await visit.web.form()
    email = form.get("email", "").strip().lower()
    member = next((found for found in await _members(visit) if found.email.lower() == email), None)
    if member is None:
        return await _team_page(visit, status=400, errors=[FieldError("email", "They are not staff of this council")])
    if member.subject == visit.officer.subject:
        errors = [FieldError("email", "You cannot remove yourself; ask another administrator")]
        return await _team_page(visit, status=400, errors=errors)
    try:
        await identity_of(visit.services).directory.remove_staff(visit.web.council.slug, member.email)
    except (IdentityUnavailable, UnknownCouncil):
        raise identity_unavailable() from None
    async with visit.services.database.engine.begin() as connection:
        signed_out = await end_sessions_of(connection, member.subject)
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        await leave_every_team(connection, member.subject)
        await record_action(
            connection, visit.casework_officer, "staff-removed", member=member.email, sessions=signed_out
        )
    return visit.redirect("/staff/team?done=removed")


@post("/teams", opt=requires(Permission.MANAGE_TEAM))
async def add_team(staff_visit: NamedDependency[StaffVisit], csrf_checked: NamedDependency[None]) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.request.form()
    name = str(form.get("name") or "").strip()
    offered = {o.code for o in await visit.services.offerings.for_council(visit.web.council)}
    chosen = tuple(sorted({str(code) for code in form.getall("services", []) if str(code) in offered}))
    errors = text_problems("name", "Team name", name, NAME_MAX_LENGTH)
    if not name:
        errors.append(FieldError("name", "Enter a name for the team"))
    if not errors:
        try:
            async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
                await create_team(connection, visit.casework_officer, name, chosen or None)
        except TeamNameTaken:
            errors.append(FieldError("name", "There is already a team with this name"))
        else:
            return visit.redirect("/staff/team?done=team-created")
    return await _team_page(visit, status=400, errors=errors, typed={"name": name, "services": chosen})


@post("/teams/{team_id:str}/remove", opt=requires(Permission.MANAGE_TEAM))
async def delete_team(
    staff_visit: NamedDependency[StaffVisit], team_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    async with tenant_connection(staff_visit.services.database.engine, staff_visit.web.council) as connection:
        await remove_team(connection, staff_visit.casework_officer, _number(team_id))
    return staff_visit.redirect("/staff/team?done=team-removed")


@post("/teams/{team_id:str}/members", opt=requires(Permission.MANAGE_TEAM))
async def add_to_team(
    staff_visit: NamedDependency[StaffVisit], team_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    number = _number(team_id)
    form = await visit.web.form()
    email = form.get("email", "").strip().lower()
    member = next((found for found in await _members(visit) if found.email.lower() == email), None)
    if member is None:
        return await _team_page(visit, status=400, errors=[FieldError(f"team-{number}", "Select a member of staff")])
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        if not await join_team(connection, visit.casework_officer, number, member.subject, member.email):
            raise Problem(404, "Team not found", "There is no such team.", name="team-not-found")
    return visit.redirect("/staff/team?done=joined")


@post("/teams/{team_id:str}/members/remove", opt=requires(Permission.MANAGE_TEAM))
async def remove_from_team(
    staff_visit: NamedDependency[StaffVisit], team_id: FromPath[str], csrf_checked: NamedDependency[None]
) -> Response[Any]:
    visit = staff_visit
    form = await visit.web.form()
    async with tenant_connection(visit.services.database.engine, visit.web.council) as connection:
        await leave_team(connection, visit.casework_officer, _number(team_id), form.get("subject", ""))
    return visit.redirect("/staff/team?done=left")


HANDLERS = [staff_and_teams, add_member, remove_member, add_team, delete_team, add_to_team, remove_from_team]
