"""Can each council's schema be distributed with Citus schema-based sharding (`citus_schema_distribute`)?

Citus 12+ moves a whole schema onto one worker node as a colocated group of single-shard tables. It refuses
a schema, or later misbehaves, when the schema breaks one of the rules below; `civicshare citus check`
reads the catalogue of a plain PostgreSQL database and lists every breach, council by council, before a
deployment tries. The rules (infra/citus/README.md explains each and how to fix it):

- foreign-key-out: a council's table references a table in another schema (Citus allows only reference
  tables there; the platform's control plane is not one).
- foreign-key-in: a table in another schema references a council's table (never allowed).
- foreign-table, inheritance: foreign tables and table inheritance are refused in a distributed schema.
- extension: the schema, or an object in it, belongs to an extension.
- owner: a table is owned by another role than the schema (the role that distributes must own them all).
- trigger: a trigger on a council's table runs on the node that holds the council. One is listed unless
  it is among the platform's reviewed triggers (`REVIEWED_TRIGGERS`: it calls the council's own function
  and touches only the council's own tables); each reviewed one comes with what a deployment must set
  (`DEPLOYMENT_SETTINGS`), which the command prints.
- rule: PostgreSQL's rule system is not supported on Citus tables.
- small-sequence: a sequence narrower than bigint cannot hold Citus's node-prefixed values.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class Violation:
    schema: str
    rule: str
    object: str
    detail: str


# Each query takes the council schemas as :schemas and returns (schema, object, detail) rows.
_CHECKS: dict[str, str] = {
    "foreign-key-out": """
        SELECT own.nspname, format('%I.%I', own.nspname, source.relname) || ' (' || c.conname || ')',
               'references ' || format('%I.%I', other.nspname, target.relname)
        FROM pg_constraint c
        JOIN pg_class source ON source.oid = c.conrelid JOIN pg_namespace own ON own.oid = source.relnamespace
        JOIN pg_class target ON target.oid = c.confrelid JOIN pg_namespace other ON other.oid = target.relnamespace
        WHERE c.contype = 'f' AND own.nspname = ANY(:schemas) AND other.oid <> own.oid""",
    "foreign-key-in": """
        SELECT own.nspname, format('%I.%I', other.nspname, source.relname) || ' (' || c.conname || ')',
               'references ' || format('%I.%I', own.nspname, target.relname) || ' from another schema'
        FROM pg_constraint c
        JOIN pg_class target ON target.oid = c.confrelid JOIN pg_namespace own ON own.oid = target.relnamespace
        JOIN pg_class source ON source.oid = c.conrelid JOIN pg_namespace other ON other.oid = source.relnamespace
        WHERE c.contype = 'f' AND own.nspname = ANY(:schemas) AND other.oid <> own.oid""",
    "foreign-table": """
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname), 'is a foreign table'
        FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE r.relkind = 'f' AND n.nspname = ANY(:schemas)""",
    "inheritance": """
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname),
               'inherits from ' || format('%I.%I', pn.nspname, p.relname)
        FROM pg_inherits i
        JOIN pg_class r ON r.oid = i.inhrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE (n.nspname = ANY(:schemas) OR pn.nspname = ANY(:schemas))
          AND NOT (r.relispartition AND n.oid = pn.oid)""",
    "extension": """
        SELECT n.nspname, 'schema ' || quote_ident(n.nspname), 'is the schema of extension ' || e.extname
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE n.nspname = ANY(:schemas)
        UNION ALL
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname), 'belongs to extension ' || e.extname
        FROM pg_depend d
        JOIN pg_class r ON d.classid = 'pg_class'::regclass AND r.oid = d.objid
        JOIN pg_namespace n ON n.oid = r.relnamespace
        JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND e.oid = d.refobjid
        WHERE d.deptype = 'e' AND n.nspname = ANY(:schemas)""",
    "owner": """
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname),
               'is owned by ' || pg_get_userbyid(r.relowner) || ', the schema by ' || pg_get_userbyid(n.nspowner)
        FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE r.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas) AND r.relowner <> n.nspowner""",
    "trigger": """
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname) || ' (' || t.tgname || ')',
               CASE WHEN fn.oid <> n.oid
                    THEN 'calls ' || format('%I.%I', fn.nspname, f.proname)
                         || ', outside the council''s schema: it would not be on the node holding the council'
                    ELSE 'not reviewed for Citus: it runs on the node holding the council, where it may touch '
                         || 'only the council''s own tables, and a NOTIFY it sends is heard only there' END
        FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace
        WHERE NOT t.tgisinternal AND n.nspname = ANY(:schemas)
          AND NOT (fn.oid = n.oid AND (r.relname::text, t.tgname::text, f.proname::text) IN (
              SELECT * FROM unnest(CAST(:reviewed_tables AS text[]), CAST(:reviewed_triggers AS text[]),
                                   CAST(:reviewed_functions AS text[]))))""",
    "rule": """
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname) || ' (' || w.rulename || ')',
               'is a rule; Citus does not support the rule system'
        FROM pg_rewrite w JOIN pg_class r ON r.oid = w.ev_class JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE w.rulename <> '_RETURN' AND n.nspname = ANY(:schemas)""",
    "small-sequence": """
        SELECT n.nspname, format('%I.%I', n.nspname, r.relname),
               'is a ' || format_type(s.seqtypid, NULL) || ' sequence; Citus needs bigint'
        FROM pg_sequence s JOIN pg_class r ON r.oid = s.seqrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE s.seqtypid <> 'int8'::regtype AND n.nspname = ANY(:schemas)""",
}

RULES: tuple[str, ...] = tuple(_CHECKS)


@dataclass(frozen=True, slots=True)
class ReviewedTrigger:
    table: str
    trigger: str
    function: str  # in the council's own schema


# Triggers known to keep Citus's rules: each calls the council's own function, which reads only the
# council's own tables (on the same node). `DEPLOYMENT_SETTINGS` says what they need of a deployment.
REVIEWED_TRIGGERS: tuple[ReviewedTrigger, ...] = (
    # The outbox wake-up (civicshare.notifications.tables): reads the council's outbox_events and sends
    # NOTIFY civicshare_outbox on the node it runs on.
    ReviewedTrigger("outbox_events", "outbox_events_notify", "notify_outbox"),
)

DEPLOYMENT_SETTINGS: tuple[str, ...] = (
    "citus.enable_unsafe_triggers = on for the role that runs citus_schema_distribute, the migrations and "
    "onboarding (ALTER ROLE ... SET): Citus 12.0 to 14.0 refuse to distribute a table that has a trigger, or "
    "to create one on a distributed-schema table, without it (later releases allow triggers on "
    "distributed-schema tables without it). The council schemas' only trigger, the outbox wake-up, reads "
    "only its own council's outbox_events, on the same node, so it is safe to allow.",
    "CIVICSHARE_OUTBOX_LISTEN_URLS = every Citus worker node's own URL (not through PgBouncer), for the job "
    "workers: the outbox wake-up trigger sends its NOTIFY on the node holding the council, and a listener "
    "on the coordinator alone would hear nothing (events would wait for the sweep, outbox_sweep_seconds).",
)

_COUNCIL_SCHEMAS = text("SELECT schema_name FROM platform.tenants ORDER BY schema_name")


async def council_schemas(connection: AsyncConnection) -> list[str]:
    return list((await connection.execute(_COUNCIL_SCHEMAS)).scalars())


async def violations(connection: AsyncConnection, schemas: list[str]) -> list[Violation]:
    """Every breach of the rules in these schemas, ordered by schema, rule and object."""
    found: list[Violation] = []
    for rule, query in _CHECKS.items():
        rows = await connection.execute(
            text(query),
            {
                "schemas": schemas,
                "reviewed_tables": [reviewed.table for reviewed in REVIEWED_TRIGGERS],
                "reviewed_triggers": [reviewed.trigger for reviewed in REVIEWED_TRIGGERS],
                "reviewed_functions": [reviewed.function for reviewed in REVIEWED_TRIGGERS],
            }
            if rule == "trigger"
            else {"schemas": schemas},
        )
        found.extend(Violation(schema, rule, name, detail) for schema, name, detail in rows)
    return sorted(found, key=lambda violation: (violation.schema, RULES.index(violation.rule), violation.object))
