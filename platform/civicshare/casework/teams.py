"""Teams of a council's staff, and which services each member of staff may work on.

An officer in no team, or in any team not limited to services, works on every service. An officer whose
teams are all limited works on the union of their services only (a highways contractor sees highways).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from civicshare.casework.service import Officer, record_action
from civicshare.casework.tables import team_members, teams
from civicshare.db.driver import CouncilStatement
from civicshare.transactions.tables import transactions

NAME_MAX_LENGTH = 80


class TeamNameTaken(Exception):
    pass


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    services: tuple[str, ...] | None  # None: every service
    members: list[tuple[str, str]] = field(default_factory=list)  # (subject, email)


@dataclass(frozen=True)
class OfficerTeams:
    """An officer among their council's teams: the teams they are in, the services those let them work on,
    and every team of the council by name (for the queue's team filter and the names of assignees)."""

    mine: tuple[int, ...]
    allowed: frozenset[str] | None  # None: every service
    names: dict[int, str]  # every team of the council, in order of name


# Every team of the council, and whether the officer is in it. Built and compiled once: every back-office
# page reads it, and building the statement, then running it through SQLAlchemy, cost more of the node than
# PostgreSQL spent on it.
_OFFICER_TEAMS = CouncilStatement(
    select(teams.c.id, teams.c.name, teams.c.services, team_members.c.subject.is_not(None).label("member"))
    .select_from(
        teams.outerjoin(
            team_members,
            (team_members.c.team_id == teams.c.id) & (team_members.c.subject == bindparam("subject")),
        )
    )
    .order_by(teams.c.name),
    kept_as_function=True,
)


async def officer_teams(connection: AsyncConnection, subject: str) -> OfficerTeams:
    """Read in one statement, as every back-office page asks for it."""
    rows = await _OFFICER_TEAMS.read_on(connection, {"subject": subject})
    joined = [row for row in rows if row["member"]]
    allowed = (
        None
        if not joined or any(row["services"] is None for row in joined)
        else frozenset(code for row in joined for code in row["services"])
    )
    return OfficerTeams(tuple(sorted(row["id"] for row in joined)), allowed, {row["id"]: row["name"] for row in rows})


async def services_allowed(connection: AsyncConnection, subject: str) -> frozenset[str] | None:
    """The services this member of staff may work on; None for every service."""
    rows = (
        await connection.execute(
            select(teams.c.services)
            .join(team_members, team_members.c.team_id == teams.c.id)
            .where(team_members.c.subject == subject)
        )
    ).all()
    if not rows or any(services is None for (services,) in rows):
        return None
    return frozenset(code for (services,) in rows for code in services)


async def council_teams(connection: AsyncConnection) -> list[Team]:
    members: dict[int, list[tuple[str, str]]] = {}
    for row in await connection.execute(select(team_members).order_by(team_members.c.email)):
        members.setdefault(row.team_id, []).append((row.subject, row.email))
    return [
        Team(row.id, row.name, tuple(row.services) if row.services is not None else None, members.get(row.id, []))
        for row in await connection.execute(select(teams).order_by(teams.c.name))
    ]


async def create_team(
    connection: AsyncConnection, officer: Officer, name: str, services: tuple[str, ...] | None
) -> None:
    try:
        async with connection.begin_nested():
            await connection.execute(insert(teams).values(name=name, services=list(services) if services else None))
    except IntegrityError:
        raise TeamNameTaken(name) from None
    await record_action(connection, officer, "team-created", name=name, services=list(services or []) or None)


async def remove_team(connection: AsyncConnection, officer: Officer, team_id: int) -> None:
    removed = (await connection.execute(delete(teams).where(teams.c.id == team_id).returning(teams.c.name))).first()
    if removed is not None:
        await connection.execute(
            update(transactions).where(transactions.c.assigned_team_id == team_id).values(assigned_team_id=None)
        )
        await record_action(connection, officer, "team-removed", name=removed.name)


async def join_team(connection: AsyncConnection, officer: Officer, team_id: int, subject: str, email: str) -> bool:
    """Put a member of staff in a team; False if there is no such team."""
    team = (await connection.execute(select(teams.c.name).where(teams.c.id == team_id))).first()
    if team is None:
        return False
    await connection.execute(
        upsert(team_members).values(team_id=team_id, subject=subject, email=email).on_conflict_do_nothing()
    )
    await record_action(connection, officer, "team-joined", name=team.name, member=email)
    return True


async def leave_team(connection: AsyncConnection, officer: Officer, team_id: int, subject: str) -> None:
    left = (
        await connection.execute(
            delete(team_members)
            .where(team_members.c.team_id == team_id, team_members.c.subject == subject)
            .returning(team_members.c.email)
        )
    ).first()
    if left is not None:
        await record_action(connection, officer, "team-left", team_id=team_id, member=left.email)


async def leave_every_team(connection: AsyncConnection, subject: str) -> None:
    await connection.execute(delete(team_members).where(team_members.c.subject == subject))
