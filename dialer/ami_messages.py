"""Typed AMI messages. Only this module and `dialer.ami` see wire-level header names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from saikoku.core.errors import PbxError


@dataclass(frozen=True, slots=True)
class AmiEvent:
    """One AMI event; its name is lower-cased and header names match case-insensitively."""

    name: str
    headers: Mapping[str, str]

    @classmethod
    def from_headers(cls, headers: Mapping[str, object]) -> AmiEvent:
        lowered = {str(k).lower(): _text(v) for k, v in headers.items()}
        return cls(name=lowered.get("event", "").lower(), headers=lowered)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key.lower(), default)

    @property
    def kind(self) -> str:
        return self.name


def _text(value: object) -> str:
    # panoramisk gives a list when a header repeats; keep the last, as Asterisk does.
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return str(value)


class OriginateOutcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    # Asterisk refused the action itself (bad channel technology, permission, …).
    REJECTED = "rejected"
    # We lost the AMI connection or the deadline passed: reconcile before deciding.
    UNKNOWN = "unknown"


# OriginateResponse "Reason" values (AST_CONTROL_* codes Asterisk reports).
_REASONS: dict[int, OriginateOutcome] = {
    0: OriginateOutcome.FAILED,  # no such extension / channel could not be created
    1: OriginateOutcome.NO_ANSWER,  # far end hung up before answer
    3: OriginateOutcome.NO_ANSWER,  # ringing, then our timeout
    4: OriginateOutcome.ANSWERED,
    5: OriginateOutcome.BUSY,
    8: OriginateOutcome.CONGESTION,
}


REASON_TEXT: dict[int, str] = {
    0: "channel unavailable (trunk unreachable, or no such number/extension)",
    1: "hung up before answer",
    3: "no answer before the ring timeout",
    4: "answered",
    5: "busy",
    8: "congestion",
}


@dataclass(frozen=True, slots=True)
class OriginateResult:
    attempt_id: UUID
    outcome: OriginateOutcome
    reason: int | None = None
    detail: str | None = None

    @property
    def answered(self) -> bool:
        return self.outcome is OriginateOutcome.ANSWERED


def outcome_from_reason(reason: int | None) -> OriginateOutcome:
    if reason is None:
        return OriginateOutcome.UNKNOWN
    return _REASONS.get(reason, OriginateOutcome.FAILED)


def parse_originate_reply(attempt_id: UUID, replies: list[AmiEvent]) -> OriginateResult:
    """Turn panoramisk's replies for one Async Originate into a result.

    The first reply is the action's own Response (Success = "queued", Error = refused);
    the last, when present, is the OriginateResponse event with the dial result.
    """
    if not replies:
        return OriginateResult(attempt_id, OriginateOutcome.UNKNOWN, detail="no reply")
    first = replies[0]
    if (first.get("response") or "").lower() == "error":
        return OriginateResult(
            attempt_id, OriginateOutcome.REJECTED, detail=first.get("message") or "refused"
        )
    final = replies[-1]
    if final.name != "originateresponse":
        return OriginateResult(attempt_id, OriginateOutcome.UNKNOWN, detail="no OriginateResponse")
    reason_text = final.get("reason")
    reason = int(reason_text) if reason_text and reason_text.isdigit() else None
    outcome = outcome_from_reason(reason)
    if (final.get("response") or "").lower() == "success":
        outcome = OriginateOutcome.ANSWERED
    elif outcome is OriginateOutcome.ANSWERED:
        # "Failure" with reason 4 happens when the dialplan could not be entered.
        outcome = OriginateOutcome.FAILED
    explained = REASON_TEXT.get(reason, f"reason {reason}") if reason is not None else "no reason"
    detail = f"{final.get('response')}: {explained}"
    return OriginateResult(attempt_id, outcome, reason=reason, detail=detail)


@dataclass(frozen=True, slots=True)
class OriginateRequest:
    """One call to place. `channel` is a dial string such as ``PJSIP/0312345678@trunk``."""

    attempt_id: UUID
    channel: str
    context: str
    exten: str = "s"
    priority: int = 1
    ring_timeout_s: float = 30.0
    caller_id: str | None = None
    variables: Mapping[str, str] | None = None

    def to_action(self) -> dict[str, object]:
        attempt = str(self.attempt_id)
        variables = {"SAIKOKU_ATTEMPT": attempt, **(self.variables or {})}
        action: dict[str, object] = {
            "Action": "Originate",
            "ActionID": attempt,
            "ChannelId": attempt,
            "Channel": self.channel,
            "Context": self.context,
            "Exten": self.exten,
            "Priority": str(self.priority),
            "Timeout": str(int(self.ring_timeout_s * 1000)),
            # Always async: panoramisk cannot parse a synchronous Originate reply stream.
            "Async": "true",
            "Variable": [f"{k}={v}" for k, v in variables.items()],
        }
        if self.caller_id:
            action["CallerID"] = self.caller_id
        return action


class UnsafeAmiHeader(PbxError):
    """An action header holds CR, LF or NUL. AMI frames an action as "Name: value" lines ended
    by an empty line, so such a value could append headers, or whole actions, of its own."""

    code = "ami_header_refused"


_BREAKS_FRAMING = re.compile(r"[\r\n\x00]")


def check_framing(action: Mapping[str, object]) -> None:
    """Raise UnsafeAmiHeader unless every header name and value stays on its own line. The
    message names the header, never its value (a dial string or caller id is a number)."""
    for name, value in action.items():
        values = value if isinstance(value, list | tuple) else [value]
        if _BREAKS_FRAMING.search(name) or any(_BREAKS_FRAMING.search(str(v)) for v in values):
            action_name = str(action.get("Action", "?"))
            raise UnsafeAmiHeader(
                f"AMI {_printable(action_name)} not sent: header {_printable(name)!r}"
                " holds CR, LF or NUL"
            )


def _printable(text: str) -> str:
    return text if not _BREAKS_FRAMING.search(text) else "(unprintable)"
