"""Reconnect back-off and readiness state shared by every long-lived connection."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class State(StrEnum):
    CONNECTING = "connecting"
    READY = "ready"
    DOWN = "down"
    STOPPED = "stopped"


@dataclass
class Readiness:
    """What a health check and the supervisor console show for one connection."""

    name: str
    state: State = State.CONNECTING
    since: float = field(default_factory=time.time)
    last_error: str | None = None
    reconnects: int = 0
    _ready_event: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _on_ready: list[Callable[[], object]] = field(default_factory=list, repr=False)

    @property
    def ready(self) -> bool:
        return self.state is State.READY

    def set(self, state: State, error: str | None = None) -> None:
        changed = state is not self.state
        if changed:
            log.info("readiness", component=self.name, state=str(state), error=error)
            self.state = state
            self.since = time.time()
        if error is not None:
            self.last_error = error
        if state is State.READY:
            self._ready_event.set()
            if changed:
                for callback in self._on_ready:
                    callback()
        else:
            self._ready_event.clear()

    def on_ready(self, callback: Callable[[], object]) -> None:
        """Call `callback` (synchronously, so keep it to scheduling work) on every READY."""
        self._on_ready.append(callback)

    async def wait_ready(self, within_s: float) -> None:
        async with asyncio.timeout(within_s):
            await self._ready_event.wait()

    def snapshot(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "since": self.since,
            "last_error": self.last_error,
            "reconnects": self.reconnects,
        }


@dataclass
class Backoff:
    """Exponential back-off with full jitter: delay_n = uniform(0, min(cap, base * 2**n))."""

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * (2**self.attempt))
        self.attempt += 1
        # Never below a tenth of the ceiling, so a storm of reconnects still spreads out.
        return self.rng.uniform(ceiling / 10, ceiling)

    def reset(self) -> None:
        self.attempt = 0


def spawn_supervised(
    tasks: set[asyncio.Task[Any]], name: str, factory: Callable[[], Awaitable[None]]
) -> asyncio.Task[Any]:
    """Start a task, keep a reference until it ends, and log how it ended."""

    async def runner() -> None:
        try:
            await factory()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("task_failed", task=name)
            raise

    task = asyncio.create_task(runner(), name=name)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


async def consume_queue(
    queue: asyncio.Queue[Any], handler: Callable[[Any], Awaitable[None]], component: str
) -> None:
    """Run `handler` on each queued item; one failing item is logged, never fatal."""
    while True:
        item = await queue.get()
        try:
            await handler(item)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event_handler_failed", component=component, item=_describe(item))
        finally:
            queue.task_done()


def _describe(item: Any) -> str:
    kind = getattr(item, "kind", None) or getattr(item, "name", None)
    return str(kind) if kind is not None else type(item).__name__


class Reconnector:
    """The lifecycle every supervised connection shares: a readiness state, back-off between
    attempts, and the tasks to cancel on close. The owner supplies one coroutine that
    connects, serves until the connection is lost, and returns why."""

    def __init__(self, name: str, *, backoff_base_s: float, backoff_cap_s: float) -> None:
        self.readiness = Readiness(name)
        self.tasks: set[asyncio.Task[Any]] = set()
        self._backoff = Backoff(base=backoff_base_s, cap=backoff_cap_s)

    def start(self, connect_and_serve: Callable[[], Awaitable[str]]) -> None:
        async def supervise() -> None:
            while True:
                self.readiness.set(State.CONNECTING)
                error = await connect_and_serve()
                delay = self._backoff.next_delay()
                self.readiness.reconnects += 1
                self.readiness.set(State.DOWN, error=error)
                log.warning(
                    "reconnect_scheduled",
                    component=self.readiness.name,
                    delay_s=round(delay, 2),
                    error=error,
                )
                await asyncio.sleep(delay)

        spawn_supervised(self.tasks, f"{self.readiness.name}-supervisor", supervise)

    def connected(self) -> None:
        """Call once the connection is usable: resets the back-off and reports READY."""
        self._backoff.reset()
        self.readiness.set(State.READY)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.readiness.set(State.STOPPED)
