"""The platform as a fleet on one machine: the embedded PostgreSQL, PgBouncer in front of it, app nodes
and job workers, each a part started in order and stopped in reverse (`civicshare fleet`, bench/national)."""
