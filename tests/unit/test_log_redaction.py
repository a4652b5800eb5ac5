"""One redaction step for all log output: row details, dial strings and phone numbers are
taken out of messages and exception texts, whether structlog or the stdlib logged them."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
import structlog

from saikoku.config.logs import configure_logging, redact_row_details


def redacted(**fields: Any) -> dict[str, Any]:
    return dict(redact_row_details(None, "error", {"event": "x", **fields}))


def test_dial_strings_and_phone_numbers_are_taken_out_of_any_text() -> None:
    event = redacted(
        error="originate PJSIP/09012345678@trunk failed",
        detail="call 03-1234-5678 or ０９０－１２３４－５６７８ or +819012345678",
    )
    assert event["error"] == "originate PJSIP/<redacted>@trunk failed"
    assert event["detail"] == "call <redacted> or <redacted> or <redacted>"


def test_ids_times_and_small_numbers_are_kept() -> None:
    attempt = "12345678-1234-4234-8234-123456789012"  # a uuid made of digits only
    text = f"attempt {attempt} at 2026-12-07T23:47:43+09:00: 204000 rows, op001, PJSIP/op001"
    assert redacted(event=text)["event"] == text


def logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


def test_stdlib_loggers_go_through_the_same_redaction(
    json_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("aiohttp.access").info(
        '127.0.0.1 "GET /api/search?phone=%s HTTP/1.1" 200', "090-1234-5678"
    )
    logging.getLogger("panoramisk.manager").warning("Fail to send Channel: PJSIP/0312345678@trunk")
    access, panoramisk = logged(capsys)
    assert access["logger"] == "aiohttp.access" and access["level"] == "info"
    assert access["event"] == '127.0.0.1 "GET /api/search?phone=<redacted> HTTP/1.1" 200'
    assert panoramisk["event"] == "Fail to send Channel: PJSIP/<redacted>@trunk"
    assert "timestamp" in access


def test_structlog_events_are_redacted_too(
    json_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.get_logger("t").warning("dial_failed", error="no route to 09012345678")
    [event] = logged(capsys)
    assert event["error"] == "no route to <redacted>"


def test_configuring_again_does_not_log_twice(
    json_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json", "info")
    logging.getLogger("aiohttp.server").error("once")
    assert [e["event"] for e in logged(capsys)] == ["once"]


def test_an_uncaught_exception_is_logged_redacted(
    json_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise ValueError('invalid input syntax for type date: "昭和CANARY"')
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    [event] = logged(capsys)
    assert event["level"] == "critical" and "CANARY" not in event["exception"]
    assert 'invalid input syntax for type date: "<redacted>"' in event["exception"]
