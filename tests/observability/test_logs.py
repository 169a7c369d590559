"""Log lines are JSON objects carrying the request id and the council being served."""

from __future__ import annotations

import json
import logging

from civicshare.observability.logs import JsonFormatter, request_id_var, tenant_slug_var


def test_a_log_line_carries_request_id_council_and_extra_fields() -> None:
    record = logging.makeLogRecord(
        {
            "name": "civicshare.test",
            "levelname": "INFO",
            "msg": "transaction %s received",
            "args": ("KNG-1",),
            "reference": "KNG-2026-000001",
        }
    )
    request_token = request_id_var.set("abc123")
    tenant_token = tenant_slug_var.set("kingston")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(request_token)
        tenant_slug_var.reset(tenant_token)
    assert line["message"] == "transaction KNG-1 received"
    assert line["request_id"] == "abc123"
    assert line["tenant"] == "kingston"
    assert line["reference"] == "KNG-2026-000001"


def test_outside_a_request_there_is_no_request_id_or_council() -> None:
    line = json.loads(JsonFormatter().format(logging.makeLogRecord({"msg": "started"})))
    assert "request_id" not in line
    assert "tenant" not in line
