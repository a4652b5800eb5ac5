"""A campaign's pacing knobs, as a PBX admin sets them (and may change while it runs)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from saikoku.core.errors import ConfigurationError
from saikoku.core.inputs import Text, problems

# The rule, whatever an admin sets: abandoned / live answers over 24 h stays at most 3 %.
RULE_CAP_PCT = 3.0
# The rule: ring at least this long before giving up on an unanswered call.
MIN_RING_TIMEOUT_S = 15.0
# The carrier trunk's endpoint in asterisk-conf/pjsip.conf: every campaign call goes there.
TRUNK_ENDPOINT = "trunk"
# The template becomes the Originate's Channel header, so it may be nothing but a PJSIP dial
# string to the trunk: an optional digit prefix the carrier wants (e.g. 184, show caller id),
# then the number.
_DIAL_TEMPLATE = re.compile(rf"PJSIP/[0-9]{{0,8}}\{{number\}}@{TRUNK_ENDPOINT}")


class AmdParameters(BaseModel):
    """Arguments of Asterisk's AMD() application, in its order and units (milliseconds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial_silence_ms: int = Field(default=2500, ge=500, le=10_000)
    greeting_ms: int = Field(default=1500, ge=500, le=10_000)
    after_greeting_silence_ms: int = Field(default=800, ge=100, le=5_000)
    total_analysis_ms: int = Field(default=5000, ge=1000, le=15_000)
    min_word_length_ms: int = Field(default=100, ge=10, le=1_000)
    between_words_silence_ms: int = Field(default=50, ge=10, le=1_000)
    maximum_words: int = Field(default=3, ge=1, le=20)
    silence_threshold: int = Field(default=256, ge=1, le=32_767)


class PacingSettings(BaseModel):
    """Validated per-campaign pacing knobs. Build with `pacing_settings(...)` for errors that
    name the knob and what to do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["preview", "progressive", "predictive"] = "predictive"
    target_abandon_pct: float = Field(default=2.5, gt=0, le=RULE_CAP_PCT)
    hard_cap_pct: float = Field(default=RULE_CAP_PCT, gt=0, le=RULE_CAP_PCT)
    max_lines_per_operator: float = Field(default=3.0, ge=1.0, le=5.0)
    ring_timeout_s: float = Field(default=30.0, le=120.0)
    amd_enabled: bool = True
    amd: AmdParameters = AmdParameters()
    machine_action: Literal["hangup", "leave_message"] = "hangup"
    trunk_channels: int = Field(default=60, ge=1, le=10_000)
    cps_limit: float = Field(default=10.0, gt=0, le=500)
    dial_template: Text = "PJSIP/{number}@trunk"
    caller_id: str | None = None

    @field_validator("ring_timeout_s")
    @classmethod
    def _ring_long_enough(cls, value: float) -> float:
        if value < MIN_RING_TIMEOUT_S:
            raise ValueError(f"must be at least {MIN_RING_TIMEOUT_S:g} s (the calling rules)")
        return value

    @field_validator("dial_template")
    @classmethod
    def _dials_the_trunk(cls, value: str) -> str:
        if not _DIAL_TEMPLATE.fullmatch(value):
            raise ValueError(
                f"must be PJSIP/{{number}}@{TRUNK_ENDPOINT}, optionally with up to 8 digits"
                f" before {{number}} (e.g. PJSIP/184{{number}}@{TRUNK_ENDPOINT})"
            )
        return value

    @field_validator("caller_id")
    @classmethod
    def _caller_id_digits(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\+?[0-9]{6,15}", value):
            raise ValueError(
                "must be the office's number in digits (optionally +81…), e.g. 0312345678"
            )
        return value

    @model_validator(mode="after")
    def _target_under_cap(self) -> PacingSettings:
        if self.target_abandon_pct > self.hard_cap_pct:
            raise ValueError(
                f"target_abandon_pct ({self.target_abandon_pct:g}) must not exceed"
                f" hard_cap_pct ({self.hard_cap_pct:g})"
            )
        return self


class InvalidPacing(ConfigurationError):
    """Pacing knobs that cannot be used; the message names each bad knob and why."""

    http_status = 400
    code = "bad_pacing"


def pacing_settings(**values: Any) -> PacingSettings:
    """PacingSettings, or InvalidPacing naming each bad knob and why."""
    try:
        return PacingSettings(**values)
    except ValidationError as exc:
        wrong = "; ".join(f"{p['field'] or 'settings'}: {p['problem']}" for p in problems(exc))
        raise InvalidPacing(f"invalid pacing settings: {wrong}") from None
