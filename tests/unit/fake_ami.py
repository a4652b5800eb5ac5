"""A scripted AMI server for unit tests of the client's own logic (framing is panoramisk's).

It is a test tier of its own: the same behaviours are proven against real Asterisk in
tests/pbx/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

Headers = dict[str, str]


def frame(**headers: str) -> bytes:
    lines = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (lines + "\r\n").encode()


@dataclass
class FakeAmi:
    secret: str = "correct-horse"
    answer_pings: bool = True
    # Called for each Originate with (action headers, writer); default: queued then answered.
    on_originate: Callable[[Headers, asyncio.StreamWriter], None] | None = None
    received: list[Headers] = field(default_factory=list)
    logins: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in self.writers:
                writer.close()
            await self.server.wait_closed()
            self.server = None
        self.writers.clear()

    def drop_connections(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    def originates(self) -> list[Headers]:
        return [a for a in self.received if a.get("action", "").lower() == "originate"]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            while True:
                block = await reader.readuntil(b"\r\n\r\n")
                action: Headers = {}
                for line in block.decode().strip().split("\r\n"):
                    key, _, value = line.partition(":")
                    action[key.strip().lower()] = value.strip()
                self.received.append(action)
                self._answer(action, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    def _answer(self, action: Headers, writer: asyncio.StreamWriter) -> None:
        name = action.get("action", "").lower()
        aid = action.get("actionid", "")
        if name == "login":
            self.logins += 1
            if action.get("secret") == self.secret:
                writer.write(
                    frame(Response="Success", ActionID=aid, Message="Authentication accepted")
                )
                writer.write(
                    frame(Event="FullyBooted", Privilege="system,all", Status="Fully Booted")
                )
            else:
                writer.write(frame(Response="Error", ActionID=aid, Message="Authentication failed"))
        elif name == "ping":
            if self.answer_pings:
                writer.write(frame(Response="Success", ActionID=aid, Ping="Pong"))
        elif name == "originate":
            if self.on_originate is not None:
                self.on_originate(action, writer)
            else:
                queue_originate(action, writer)
                finish_originate(action, writer, response="Success", reason="4")
        elif name == "coreshowchannels":
            writer.write(
                frame(
                    Response="Success",
                    ActionID=aid,
                    EventList="start",
                    Message="Channels will follow",
                )
            )
            writer.write(frame(Event="CoreShowChannel", ActionID=aid, Uniqueid="live-1"))
            writer.write(
                frame(
                    Event="CoreShowChannelsComplete",
                    ActionID=aid,
                    EventList="Complete",
                    ListItems="1",
                )
            )


def queue_originate(action: Headers, writer: asyncio.StreamWriter) -> None:
    writer.write(
        frame(
            Response="Success", ActionID=action["actionid"], Message="Originate successfully queued"
        )
    )


def finish_originate(
    action: Headers, writer: asyncio.StreamWriter, *, response: str, reason: str
) -> None:
    writer.write(
        frame(
            Event="OriginateResponse",
            Privilege="call,all",
            ActionID=action["actionid"],
            Response=response,
            Channel=action.get("channel", ""),
            Reason=reason,
            Uniqueid=action.get("channelid", ""),
        )
    )


def send_event(writer: asyncio.StreamWriter, **headers: str) -> None:
    writer.write(frame(**headers))
