"""One simulated calling day: a discrete-event loop on a virtual clock driving a Pacer.

Operators go ready → talking → wrap-up → ready. A call placed at t ends busy, unanswered at the
ring timeout, answered by a machine (AMD listens, then hangs up) or answered by a person. A
person is bridged to the operator who has waited longest; with nobody free within 2 s they hear
the courtesy message and count as abandoned. The pacer is asked after every instant at which
something happened, and at least once a simulated second.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

from dialer.pacing.events import (
    CallAbandoned,
    CallConnected,
    CallPlaced,
    CallUnanswered,
    LiveAnswered,
    MachineAnswered,
    TalkEnded,
    WrapEnded,
)
from dialer.pacing.snapshot import Pacer, PacingSnapshot
from dialer.sim.scenario import Scenario
from dialer.sim.streams import Streams

PATIENCE_S = 2.0
BUCKET_S = 900.0  # the 15-minute windows of worst_15min_abandon_rate
# The live dialer asks its pacer every 0.1 s (dialer/engine.py); with nothing happening the
# answer changes only as ages grow, so a coarser step loses little and saves time.
DECIDE_EVERY_S = 1.0
MIN_WRAP_S = 1.0
MIN_RING_S = 1.0

# Event kinds, in the order they happen when simultaneous: an operator freed at the very
# instant a person's 2 s run out still takes the call.
WRAP_END, TALK_END, RESOLVE, PATIENCE_OUT, TICK = range(5)
BUSY, NO_ANSWER, MACHINE, LIVE = range(4)


@dataclass
class DayResult:
    seconds: float
    operators: int
    calls_placed: int = 0
    live_answers: int = 0
    abandoned: int = 0
    talk_s: float = 0.0
    busy_s: float = 0.0  # talk + wrap-up
    live_by_bucket: list[int] = field(default_factory=list)
    abandoned_by_bucket: list[int] = field(default_factory=list)


class Floor:
    """The simulated call center for one day."""

    def __init__(self, scenario: Scenario, pacer: Pacer, streams: Streams) -> None:
        self.sc, self.pacer, self.streams = scenario, pacer, streams
        self.end = scenario.seconds
        buckets = math.ceil(self.end / BUCKET_S)
        self.result = DayResult(
            scenario.seconds,
            scenario.operators,
            live_by_bucket=[0] * buckets,
            abandoned_by_bucket=[0] * buckets,
        )
        self.heap: list[tuple[float, int, int, int]] = []
        self.seq = 0
        self.ready: deque[int] = deque(range(scenario.operators))
        self.talking: dict[int, float] = {}
        self.wrapping: dict[int, float] = {}
        self.ringing: dict[int, float] = {}
        self.waiting: dict[int, float] = {}  # answered calls, in answer order
        self.placed_times: deque[float] = deque()
        self.connects = 0
        self.conversation: dict[int, int] = {}  # operator → index of their current conversation

    def push(self, at: float, kind: int, ident: int) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, kind, self.seq, ident))

    def run(self) -> DayResult:
        self.decide(0.0)
        self.push(DECIDE_EVERY_S, TICK, 0)
        handlers = (self.wrap_end, self.talk_end, self.resolve, self.patience_out, self.tick)
        changed, decided = False, 0.0
        while self.heap and self.heap[0][0] < self.end:
            now, kind, _, ident = heapq.heappop(self.heap)
            handlers[kind](now, ident)
            changed = changed or kind != TICK
            # Decide once the instant is over: on any change, else every DECIDE_EVERY_S.
            if (not self.heap or self.heap[0][0] > now) and (
                changed or now - decided >= DECIDE_EVERY_S - 1e-9
            ):
                self.decide(now)
                changed, decided = False, now
        self.close_day()
        return self.result

    def tick(self, now: float, _ident: int) -> None:
        self.push(now + DECIDE_EVERY_S, TICK, 0)

    def decide(self, now: float) -> None:
        while self.placed_times and self.placed_times[0] <= now - 1.0:
            self.placed_times.popleft()
        in_use = len(self.ringing) + len(self.waiting) + len(self.talking)
        snapshot = PacingSnapshot(
            now=now,
            ready=len(self.ready),
            talking_s=tuple(now - t for t in self.talking.values()),
            wrapping_s=tuple(now - t for t in self.wrapping.values()),
            ringing_s=tuple(now - t for t in self.ringing.values()),
            waiting=len(self.waiting),
            channel_headroom=self.sc.trunk_channels - in_use,
            cps_headroom=math.floor(self.sc.cps_limit) - len(self.placed_times),
            closes_in_s=self.end - now,
        )
        for _ in range(self.pacer.calls_to_place(snapshot)):
            self.place(now)

    def place(self, now: float) -> None:
        call = self.result.calls_placed
        self.result.calls_placed += 1
        self.ringing[call] = now
        self.placed_times.append(now)
        self.pacer.observe(CallPlaced(now))
        s, sc = self.streams, self.sc
        fate = s.fate[call]
        if fate < sc.busy_rate:
            self.push(now + sc.busy_signal_s, RESOLVE, call * 4 + BUSY)
        elif fate < sc.busy_rate + sc.answer_rate_at(now):
            ring = min(max(s.ring[call], MIN_RING_S), sc.no_answer_timeout_s)
            if s.machine[call] < sc.machine_rate:
                self.push(now + ring + sc.amd_machine_s, RESOLVE, call * 4 + MACHINE)
            else:
                self.push(now + ring, RESOLVE, call * 4 + LIVE)
        else:
            self.push(now + sc.no_answer_timeout_s, RESOLVE, call * 4 + NO_ANSWER)

    def resolve(self, now: float, ident: int) -> None:
        call, outcome = divmod(ident, 4)
        ring_s = now - self.ringing.pop(call)
        if outcome == LIVE:
            self.live(now, call, ring_s)
        elif outcome == MACHINE:
            self.pacer.observe(MachineAnswered(now, ring_s))
        else:
            self.pacer.observe(
                CallUnanswered(now, "busy" if outcome == BUSY else "no_answer", ring_s)
            )

    def live(self, now: float, call: int, ring_s: float) -> None:
        self.result.live_answers += 1
        self.result.live_by_bucket[int(now // BUCKET_S)] += 1
        self.pacer.observe(LiveAnswered(now, ring_s))
        if self.ready:
            self.connect(now, self.ready.popleft(), 0.0)
        else:
            self.waiting[call] = now
            self.push(now + PATIENCE_S, PATIENCE_OUT, call)

    def patience_out(self, now: float, call: int) -> None:
        if self.waiting.pop(call, None) is None:
            return  # bridged in time
        self.result.abandoned += 1
        self.result.abandoned_by_bucket[int((now - PATIENCE_S) // BUCKET_S)] += 1
        self.pacer.observe(CallAbandoned(now))

    def connect(self, now: float, operator: int, wait_s: float) -> None:
        self.pacer.observe(CallConnected(now, wait_s))
        talk = self.streams.talk[self.connects]
        self.conversation[operator] = self.connects
        self.connects += 1
        self.talking[operator] = now
        self.push(now + talk, TALK_END, operator)

    def talk_end(self, now: float, operator: int) -> None:
        talk_s = now - self.talking.pop(operator)
        self.result.talk_s += talk_s
        self.result.busy_s += talk_s
        self.pacer.observe(TalkEnded(now, talk_s))
        self.wrapping[operator] = now
        wrap = max(self.streams.wrap[self.conversation[operator]], MIN_WRAP_S)
        self.push(now + wrap, WRAP_END, operator)

    def wrap_end(self, now: float, operator: int) -> None:
        wrap_s = now - self.wrapping.pop(operator)
        self.result.busy_s += wrap_s
        self.pacer.observe(WrapEnded(now, wrap_s))
        if self.waiting:
            call = next(iter(self.waiting))
            self.connect(now, operator, now - self.waiting.pop(call))
        else:
            self.ready.append(operator)

    def close_day(self) -> None:
        """Count the talk and wrap-up still going at the end, up to the end."""
        for started in self.talking.values():
            self.result.talk_s += self.end - started
            self.result.busy_s += self.end - started
        for started in self.wrapping.values():
            self.result.busy_s += self.end - started


def simulate_day(
    scenario: Scenario, pacer: Pacer, replication: int, warm_up_day: int | None = None
) -> DayResult:
    return Floor(scenario, pacer, Streams(scenario, replication, warm_up_day)).run()
