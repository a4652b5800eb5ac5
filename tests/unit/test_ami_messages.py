import uuid

import pytest

from dialer.ami_messages import (
    AmiEvent,
    OriginateOutcome,
    OriginateRequest,
    UnsafeAmiHeader,
    check_framing,
    outcome_from_reason,
    parse_originate_reply,
)

ATTEMPT = uuid.UUID("6f1c1f0e-8f2b-4d59-9d7e-3f5f0f1f2a10")


def event(**headers: str) -> AmiEvent:
    return AmiEvent.from_headers(headers)


QUEUED = event(Response="Success", Message="Originate successfully queued")


def test_event_names_and_headers_are_case_insensitive() -> None:
    e = AmiEvent.from_headers({"Event": "Hangup", "Uniqueid": "x", "Cause-txt": "Normal"})
    assert e.name == "hangup"
    assert e.get("UNIQUEID") == "x"
    assert e.get("cause-TXT") == "Normal"


def test_repeated_header_keeps_last_value() -> None:
    assert AmiEvent.from_headers({"Variable": ["a=1", "b=2"]}).get("variable") == "b=2"


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        (0, OriginateOutcome.FAILED),
        (1, OriginateOutcome.NO_ANSWER),
        (3, OriginateOutcome.NO_ANSWER),
        (4, OriginateOutcome.ANSWERED),
        (5, OriginateOutcome.BUSY),
        (8, OriginateOutcome.CONGESTION),
        (99, OriginateOutcome.FAILED),
        (None, OriginateOutcome.UNKNOWN),
    ],
)
def test_reason_codes(reason: int | None, outcome: OriginateOutcome) -> None:
    assert outcome_from_reason(reason) is outcome


def test_answered_reply() -> None:
    final = event(Event="OriginateResponse", Response="Success", Reason="4", Uniqueid=str(ATTEMPT))
    result = parse_originate_reply(ATTEMPT, [QUEUED, final])
    assert result.outcome is OriginateOutcome.ANSWERED
    assert result.reason == 4
    assert result.answered


def test_busy_reply_explains_reason() -> None:
    final = event(Event="OriginateResponse", Response="Failure", Reason="5")
    result = parse_originate_reply(ATTEMPT, [QUEUED, final])
    assert result.outcome is OriginateOutcome.BUSY
    assert result.detail == "Failure: busy"


def test_failure_with_reason_4_is_not_answered() -> None:
    final = event(Event="OriginateResponse", Response="Failure", Reason="4")
    assert parse_originate_reply(ATTEMPT, [QUEUED, final]).outcome is OriginateOutcome.FAILED


def test_refused_action_is_rejected_with_message() -> None:
    result = parse_originate_reply(ATTEMPT, [event(Response="Error", Message="Permission denied")])
    assert result.outcome is OriginateOutcome.REJECTED
    assert result.detail == "Permission denied"


def test_missing_originate_response_is_unknown() -> None:
    assert parse_originate_reply(ATTEMPT, [QUEUED]).outcome is OriginateOutcome.UNKNOWN
    assert parse_originate_reply(ATTEMPT, []).outcome is OriginateOutcome.UNKNOWN


def test_originate_action_is_async_and_carries_the_attempt_everywhere() -> None:
    action = OriginateRequest(
        attempt_id=ATTEMPT,
        channel="PJSIP/0312345678@trunk",
        context="saikoku-outbound",
        ring_timeout_s=20,
        variables={"SAIKOKU_AMD": "on"},
    ).to_action()
    assert action["Async"] == "true"
    assert action["ActionID"] == action["ChannelId"] == str(ATTEMPT)
    assert action["Timeout"] == "20000"
    assert f"SAIKOKU_ATTEMPT={ATTEMPT}" in action["Variable"]  # type: ignore[operator]
    assert "SAIKOKU_AMD=on" in action["Variable"]  # type: ignore[operator]
    assert "CallerID" not in action


@pytest.mark.parametrize(
    "headers",
    [
        {"Action": "Originate", "Channel": "PJSIP/1@trunk\r\nAction: Command"},
        {"Action": "Originate", "CallerID": "0312345678\n"},
        {"Action": "Originate", "Variable": ["A=1", "B=2\x00"]},
        {"Action": "Ping\r\nCommand: core stop now"},
        {"Action": "Ping", "X\r\nY": "1"},
    ],
)
def test_framing_refuses_cr_lf_and_nul_naming_the_header_not_the_value(
    headers: dict[str, object],
) -> None:
    with pytest.raises(UnsafeAmiHeader, match="CR, LF or NUL") as refused:
        check_framing(headers)
    assert "PJSIP" not in str(refused.value) and "0312345678" not in str(refused.value)
    assert "\n" not in str(refused.value) and "\x00" not in str(refused.value)


def test_framing_lets_ordinary_actions_through() -> None:
    check_framing(
        OriginateRequest(
            attempt_id=ATTEMPT,
            channel="PJSIP/0312345678@trunk",
            context="saikoku-outbound",
            caller_id="0312345678",
            variables={"SAIKOKU_AMD": "on"},
        ).to_action()
    )
