"""Typed ARI events. Raw JSON stops here; the rest of the code sees dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str
    state: str
    # The caller's number is personal data: kept for routing, never logged.
    caller_number: str = field(default="", repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Channel:
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            state=str(data.get("state", "")),
            caller_number=str((data.get("caller") or {}).get("number", "")),
        )


@dataclass(frozen=True, slots=True)
class AriEvent:
    kind: str
    timestamp: str


@dataclass(frozen=True, slots=True)
class StasisStart(AriEvent):
    channel: Channel
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StasisEnd(AriEvent):
    channel: Channel


@dataclass(frozen=True, slots=True)
class ChannelDestroyed(AriEvent):
    channel: Channel
    cause: int
    cause_text: str


@dataclass(frozen=True, slots=True)
class ChannelStateChange(AriEvent):
    channel: Channel


@dataclass(frozen=True, slots=True)
class UnhandledEvent(AriEvent):
    raw: dict[str, Any] = field(repr=False)


def parse_event(data: dict[str, Any]) -> AriEvent:
    kind = str(data.get("type", ""))
    timestamp = str(data.get("timestamp", ""))
    channel_json = data.get("channel")
    channel = Channel.from_json(channel_json) if isinstance(channel_json, dict) else None
    if channel is not None:
        if kind == "StasisStart":
            args = tuple(str(a) for a in data.get("args", []))
            return StasisStart(kind, timestamp, channel, args)
        if kind == "StasisEnd":
            return StasisEnd(kind, timestamp, channel)
        if kind == "ChannelDestroyed":
            return ChannelDestroyed(
                kind, timestamp, channel, int(data.get("cause", 0)), str(data.get("cause_txt", ""))
            )
        if kind == "ChannelStateChange":
            return ChannelStateChange(kind, timestamp, channel)
    return UnhandledEvent(kind, timestamp, data)
