"""structlog set-up: JSON lines in production, readable console on a terminal.

Context ids (campaign_id, attempt_id, …) are bound with `structlog.contextvars.bound_contextvars`.
Personal data (names, phone numbers, addresses, amounts) is never passed to a logger; two
processors are the last line of defence: `drop_personal_fields` blanks keys known to carry
it, and `redact_row_details` takes it out of texts — PostgreSQL's row details in exception
texts, dial strings, phone numbers. The stdlib loggers (aiohttp's access and server logs,
panoramisk, asyncio) and uncaught exceptions are routed through the same processors, so
nothing bypasses them.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from types import TracebackType
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

REDACTED = "<redacted>"


def drop_personal_fields(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in PERSONAL_KEYS.intersection(event_dict):
        event_dict[key] = REDACTED
    return event_dict


# Where PostgreSQL's message for one exception ends in a text: its HINT, the next exception
# of a chained traceback, or the end. Row values are printed raw (no quoting) and may span
# lines, so no character inside them can mark their end.
_MESSAGE_END = (r"\nHINT:", r"\n\n(?:The above exception|During handling of the above)", r"\Z")


def _until(*ends: str) -> str:
    """Lazily up to the first of `ends`, or to the end of the message (neither consumed)."""
    return ".*?(?=" + "|".join((*ends, *_MESSAGE_END)) + ")"


_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # DETAIL: Failing row contains (…). — the whole row that broke a check or not-null rule.
    (
        re.compile("Failing row contains " + _until(), re.DOTALL),
        f"Failing row contains ({REDACTED}).",
    ),
    # DETAIL: Key (columns)=(values) already exists. / is not present in table "…". / …
    (
        re.compile(
            r"(Key \(.*?\)=\()"
            + _until(
                r"\) already exists",
                r"\) is not present in table",
                r"\) is still referenced from table",
                r"\) conflicts with existing key",
            ),
            re.DOTALL,
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(existing key \(.*?\)=\()" + _until(r"\)\."), re.DOTALL), rf"\1{REDACTED}"),
    # invalid input syntax for type date: "…", … out of range: "…" — the value that was sent.
    (re.compile(r"((?:for type|for enum|out of range)[^:\n]*: )\".*"), rf'\1"{REDACTED}"'),
    # A dial string's number: PJSIP/0312345678@trunk (a channel such as PJSIP/op001 stays).
    (re.compile(r"\b((?:PJSIP|SIP|IAX2|DAHDI|Local)/)[+0-9*#][^@\s]*(?=@)"), rf"\1{REDACTED}"),
)
# Phone-number-like: 9 or more digits, single hyphens allowed between them (03-1234-5678,
# full-width too). A UUID is matched first and kept, so ids made of digits stay whole.
_UUID_OR_NUMBER = re.compile(
    r"(?P<uuid>\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b)"
    r"|(?P<number>\+?\d(?:[-‐－ー]?\d){8,})"
)


def redact_text(text: str) -> str:
    for pattern, replacement in _TEXT_RULES:
        text = pattern.sub(replacement, text)
    return _UUID_OR_NUMBER.sub(lambda m: m["uuid"] or REDACTED, text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def redact_row_details(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Every text of the event (the message, `error`, the formatted exception …) without
    row details, dial strings or phone numbers. Runs after `format_exc_info`."""
    for key, value in event_dict.items():
        event_dict[key] = _redacted(value)
    return event_dict


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the moment of writing: loggers are cached, and a
    stream captured at configuration time may be closed later (tests, daemonising)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _RedactingHandler(logging.StreamHandler[_CurrentStderr]):
    """The root logger's handler that this module installs (and replaces when called again)."""


def configure_logging(log_format: str = "auto", level: str = "info") -> None:
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    # What every event gets, before the redaction and rendering both kinds of events share.
    enrich: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_personal_fields,
    ]
    redact_and_render: list[structlog.typing.Processor] = [
        structlog.processors.format_exc_info,
        redact_row_details,
        renderer,
    ]
    threshold = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*enrich, *redact_and_render],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    # The stdlib's records (aiohttp, panoramisk, asyncio) through the same processors.
    handler = _RedactingHandler(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *enrich],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *redact_and_render,
            ],
        )
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _RedactingHandler)]:
        root.removeHandler(previous)  # configuring again must not log twice
    root.addHandler(handler)
    root.setLevel(threshold)
    sys.excepthook = _log_uncaught


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """A crash's traceback, too, goes through the redaction (Ctrl-C stays a plain one)."""
    if issubclass(kind, Exception):
        structlog.get_logger(__name__).critical("uncaught", exc_info=(kind, error, traceback))
    else:
        sys.__excepthook__(kind, error, traceback)
