"""Structured logs: one JSON object a line, with the request id of the request being served."""

from __future__ import annotations

import json
import logging

from hub.logs import JsonFormatter, request_id_var


def test_json_formatter_carries_request_id_and_extras() -> None:
    token = request_id_var.set("req-7")
    try:
        record = logging.LogRecord("hub.http", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
        record.status = 200
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "GET /x" and entry["requestId"] == "req-7" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["time"].endswith("Z")
