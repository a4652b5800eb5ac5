"""structlog set-up: JSON lines in production, readable console on a terminal.

Context ids (campaign_id, attempt_id, …) are bound with `structlog.contextvars.bound_contextvars`.
Personal data (names, phone numbers, addresses, amounts) is never passed to a logger; the
`drop_personal_fields` processor is a last line of defence that blanks keys known to carry it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

PERSONAL_KEYS = frozenset(
    {
        "name",
        "kana",
        "phone",
        "number",
        "address",
        "amount",
        "birth_date",
        "dial_string",
        "caller_id",
    }
)


def drop_personal_fields(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in PERSONAL_KEYS.intersection(event_dict):
        event_dict[key] = "<redacted>"
    return event_dict


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the moment of writing: loggers are cached, and a
    stream captured at configuration time may be closed later (tests, daemonising)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(log_format: str = "auto", level: str = "info") -> None:
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_personal_fields,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
