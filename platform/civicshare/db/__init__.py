"""Database access: engines, the embedded server, schema routing for councils, migrations."""
