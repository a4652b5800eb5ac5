"""`saikoku bench pbx`: load on the real rig (Asterisk 22, sipp debtors and operator phones on
loopback), rate stepped up until something gives.

Two loops are measured in the same run, on the same rig:
- bare: AMI Originate (Async, Application=Wait) straight from the AMI client — no database,
  no events handled, no bridging: what the PBX and sipp can take;
- dialer: the service's own path — attempt row, Originate, AMI events, Stasis entry, bridge
  to a signed-in operator (or, with every operator busy, the courtesy message), every report
  written to PostgreSQL.
Each step runs at a fixed originate rate; answered calls are held (Wait / courtesy message /
conversation), so concurrent calls grow to about rate × holding time, with RTP both ways
(sipp streams its greeting, Asterisk plays or bridges audio back). A step passes when every
call got its OriginateResponse, no attempt row is left open or unknown, and the AMI
round-trip p99 stays under a quarter second. The report names the process nearest to
saturating its core when the ramp stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import statistics
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from ari_bridge.call_center import LINE_PREFIX
from ari_bridge.client import AriClient
from campaigns.policy import around_the_clock
from dialer.ami import AmiClient
from dialer.calls import Callee, DialOptions
from dialer.operators import OperatorState
from saikoku.config.settings import Settings
from saikoku.devtools.rig import ROOT, SippPhone, deploy, plain_http
from saikoku.pbx.connect import ami_config
from saikoku.web.access_log import app_runner
from saikoku.web.app import create_app
from saikoku.web.keys import AMI, ARI, ARI_EVENTS, CALL_CENTER, DESK_HUB, PLACER, POOL
from store.passwords import hash_password

# Debtors whose number ends in 0 answer in person after ~1 s (tests/sipp/debtor_uas.xml).
HUMAN_NUMBER = "0312340010"
PASS_RTT_P99_MS = 250.0


@dataclass
class Step:
    loop: str
    rate: float
    seconds: float
    placed: int = 0
    answered: int = 0
    failed: int = 0
    lost_rows: int = 0
    max_concurrent: int = 0
    # Debtor calls whose RTP grew both ways (received from sipp and sent to it) between two
    # looks at Asterisk's own per-channel counters, at the busiest look.
    max_audio_both_ways: int = 0
    ami_rtt_ms: list[float] = field(default_factory=list, repr=False)
    bridge_ms: list[float] = field(default_factory=list, repr=False)
    pop_ms: list[float] = field(default_factory=list, repr=False)
    dialer_cpu_pct: float = 0.0
    asterisk_cpu_pct: float = 0.0
    sipp_cpu_pct: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return (
            self.failed == 0
            and self.lost_rows == 0
            and self.answered == self.placed
            and percentile(self.ami_rtt_ms, 99) < PASS_RTT_P99_MS
        )

    def summary(self) -> dict[str, Any]:
        out = {
            k: v for k, v in asdict(self).items() if k not in ("ami_rtt_ms", "bridge_ms", "pop_ms")
        }
        out.update(
            achieved_cps=round(self.placed / self.seconds, 1),
            ami_rtt_p50_ms=round(percentile(self.ami_rtt_ms, 50), 2),
            ami_rtt_p99_ms=round(percentile(self.ami_rtt_ms, 99), 2),
            answer_to_bridge_p50_ms=round(percentile(self.bridge_ms, 50), 2),
            answer_to_bridge_p99_ms=round(percentile(self.bridge_ms, 99), 2),
            bridge_to_pop_p50_ms=round(percentile(self.pop_ms, 50), 2),
            bridge_to_pop_p99_ms=round(percentile(self.pop_ms, 99), 2),
            bridged=len(self.bridge_ms),
            pops=len(self.pop_ms),
            passed=self.passed,
        )
        return out


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


class CpuMeter:
    """CPU time of this process and of the rig's processes (by pid file), as % of one core."""

    def __init__(self) -> None:
        self._pids = {
            "asterisk": _pid(Path("/var/cache/saikoku/asterisk.pid")),
            "sipp": _pid(ROOT / ".rig" / "sipp-debtors.pid"),
        }

    def sample(self) -> dict[str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        times = {"dialer": usage.ru_utime + usage.ru_stime, "wall": time.monotonic()}
        for name, pid in self._pids.items():
            times[name] = _proc_cpu_s(pid) if pid else 0.0
        return times

    @staticmethod
    def percent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        wall = after["wall"] - before["wall"]
        return {k: round(100 * (after[k] - before[k]) / wall, 1) for k in before if k != "wall"}


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime + stime, in clock ticks


async def _ping_rtts(ami: AmiClient, into: list[float], stop: asyncio.Event) -> None:
    """AMI round trips under load: a Ping every 50 ms."""
    while not stop.is_set():
        started = time.perf_counter()
        with contextlib.suppress(Exception):
            await ami.action({"Action": "Ping"}, timeout_s=5)
            into.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)


async def _at_rate(rate: float, seconds: float, launch: Callable[[], None]) -> int:
    """Call `launch` `rate` times a second for `seconds`, on a fixed schedule."""
    total = int(rate * seconds)
    started = time.monotonic()
    for n in range(total):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        launch()
    return total


async def _count_channels(ari: AriClient, step: Step, prefix: str, stop: asyncio.Event) -> None:
    """Concurrent calls as Asterisk itself lists them: channels whose id starts `prefix`,
    operators' own lines not counted."""
    while not stop.is_set():
        with contextlib.suppress(Exception):
            ids = [str(c.get("id", "")) for c in await ari.channels()]
            live = sum(1 for i in ids if i.startswith(prefix) and not i.startswith(LINE_PREFIX))
            step.max_concurrent = max(step.max_concurrent, live)
        await asyncio.sleep(0.5)


def rtp_counts(channelstats: str) -> dict[str, tuple[int, int]]:
    """`pjsip show channelstats` as channel → (packets received, packets sent). Rows end in
    nine counters (receive: count, lost, %, jitter; transmit: the same; RTT) after the channel,
    its up-time and codec; the bridge column before them is empty for unbridged channels."""
    counts = {}
    for line in channelstats.splitlines():
        fields = line.split()
        if len(fields) >= 12 and fields[-10] in ("ulaw", "alaw", "g722", "opus", "slin"):
            with contextlib.suppress(ValueError):
                counts[fields[-12]] = (int(fields[-9]), int(fields[-5]))
    return counts


async def _count_audio(step: Step, stop: asyncio.Event) -> None:
    """Each second, the debtor (trunk) channels whose packets grew both ways since the last."""
    before: dict[str, tuple[int, int]] = {}
    while not stop.is_set():
        with contextlib.suppress(Exception):
            cli = await asyncio.create_subprocess_exec(
                "bash",
                str(ROOT / "deploy" / "asterisk.sh"),
                "cli",
                "pjsip show channelstats",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await cli.communicate()
            now = rtp_counts(out.decode(errors="replace"))
            both = sum(
                1
                for channel, (rx, tx) in now.items()
                if channel.startswith("trunk-")
                and channel in before
                and rx > before[channel][0]
                and tx > before[channel][1]
            )
            step.max_audio_both_ways = max(step.max_audio_both_ways, both)
            before = now
        await asyncio.sleep(1.0)


async def bare_step(
    ami: AmiClient, ari: AriClient, rate: float, seconds: float, hold_s: float
) -> Step:
    step = Step("bare", rate, seconds)
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    results: list[asyncio.Task[Any]] = []

    async def originate(n: int) -> None:
        # The reply comes with the OriginateResponse: answered (Wait runs) or not.
        try:
            replies = await ami.action(
                {
                    "Action": "Originate",
                    "Channel": f"PJSIP/{HUMAN_NUMBER}@trunk",
                    "Application": "Wait",
                    "Data": str(hold_s),
                    "Async": "true",
                    "ChannelId": f"{prefix}{n}",
                    "Timeout": "15000",
                },
                timeout_s=30,
            )
            if replies[-1].get("response") != "Success":
                step.failed += 1
        except Exception:
            step.failed += 1

    stop = asyncio.Event()
    watchers = [
        asyncio.create_task(_ping_rtts(ami, step.ami_rtt_ms, stop)),
        asyncio.create_task(_count_channels(ari, step, prefix, stop)),
    ]
    counter = iter(range(10**9))
    step.placed = await _at_rate(
        rate, seconds, lambda: results.append(asyncio.create_task(originate(next(counter))))
    )
    await asyncio.gather(*results)
    step.answered = step.placed - step.failed
    await asyncio.sleep(hold_s + 2)  # every held call ends before the next step
    stop.set()
    await asyncio.gather(*watchers)
    return step


@dataclass
class DialerRig:
    app: web.Application
    tenant_id: uuid.UUID
    operators: list[uuid.UUID]
    # Whom the dialer loop calls: synthetic people with a bill each, so screen-pops are real.
    callees: list[Callee] = field(default_factory=list)


BENCH_PEOPLE_SQL = """
with c as (
    insert into campaigns (tenant_id, name, created_by) values ($1, 'bench', $2) returning id),
p as (
    insert into persons (tenant_id, resident_number, name_raw, name, name_kana, birth_date)
    select $1, 'B' || n, 'ベンチ 太郎', 'ベンチ 太郎', 'ベンチ タロウ', date '1980-01-01'
      from generate_series(1, $3) n returning id, resident_number),
b as (
    insert into tax_bills (tenant_id, person_id, tax_type, fiscal_year, notice_number,
                           annual_amount)
    select $1, id, 'resident', 2026, resident_number, 40000 from p returning id),
i as (
    insert into installments (tenant_id, bill_id, installment_no, assessed_amount, due_date)
    select $1, id, 1, 10000, date '2026-06-30' from b),
f as (
    insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid, source)
    select $1, id, 'landline', '0312340010', '+81312340010', true, 'import' from p
    returning id, person_id)
insert into campaign_targets (tenant_id, campaign_id, person_id)
select $1, c.id, f.person_id from c, f
returning id, person_id, (select id from phones where person_id = campaign_targets.person_id)
"""


@contextlib.asynccontextmanager
async def dialer_rig(settings: Settings, endpoints: list[str]) -> AsyncIterator[DialerRig]:
    """The service in this process, a throw-away tenant with operators on the given desk
    phones (signed in and ready), removed again at the end."""
    app = create_app(plain_http(settings), contact_policy=around_the_clock())
    runner = app_runner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        await app[AMI].readiness.wait_ready(30)
        await app[ARI_EVENTS].readiness.wait_ready(30)
        for endpoint in ["trunk", *endpoints]:  # sipp was just (re)started: qualify now
            await _wait_online(app, endpoint)
        pool: asyncpg.Pool = app[POOL]
        taken = await pool.fetchval(
            "select count(*) from users where phone_endpoint = any($1::text[])", endpoints
        )
        if taken:
            raise RuntimeError(
                f"desk phones {endpoints[0]}…{endpoints[-1]} belong to users;"
                " pick others with --operators"
            )
        tenant_id = await pool.fetchval(
            "insert into tenants (code, name) values ($1, 'ベンチマーク') returning id",
            f"bench_pbx_{int(time.time())}",
        )
        secret = uuid.uuid4().hex
        password = hash_password(secret)
        operators = [
            await pool.fetchval(
                "insert into users (tenant_id, login_id, display_name, role, password_hash,"
                " phone_endpoint) values ($1, $2, 'bench', 'operator', $3, $4) returning id",
                tenant_id,
                endpoint,
                password,
                endpoint,
            )
            for endpoint in endpoints
        ]
        center = app[CALL_CENTER]
        try:
            for user_id, endpoint in zip(operators, endpoints, strict=True):
                await center.sign_in(user_id, tenant_id, endpoint)
            async with asyncio.timeout(30):
                while center.desk.counts(tenant_id)[OperatorState.READY] < len(operators):
                    await asyncio.sleep(0.1)
            callees = [
                Callee(r[0], r[1], r[2])
                for r in await pool.fetch(BENCH_PEOPLE_SQL, tenant_id, operators[0], 3000)
            ]
            # Each operator's desktop: logged in, its WebSocket open for screen-pops.
            async with contextlib.AsyncExitStack() as desktops:
                for endpoint in endpoints:
                    http = await desktops.enter_async_context(
                        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
                    )
                    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
                    async with http.post(
                        f"{base}/api/login",
                        json={"tenant": code, "login": endpoint, "password": secret},
                    ) as r:
                        r.raise_for_status()
                    socket = await desktops.enter_async_context(
                        http.ws_connect(f"{base}/api/operator/ws", origin=base)
                    )
                    desktops.push_async_callback(socket.close)
                    # Read like a browser does (which also answers the server's pings).
                    reader = asyncio.create_task(_read_all(socket))
                    desktops.callback(reader.cancel)
                yield DialerRig(app, tenant_id, operators, callees)
        finally:
            for user_id in operators:
                with contextlib.suppress(Exception):
                    await center.sign_out(user_id, by=None)
            await pool.execute("delete from tenants where id = $1", tenant_id)
    finally:
        await runner.cleanup()


async def _read_all(socket: aiohttp.ClientWebSocketResponse) -> None:
    async for _message in socket:
        pass


async def _wait_online(app: web.Application, endpoint: str) -> None:
    async with asyncio.timeout(20):
        while True:
            await app[AMI].action({"Action": "PJSIPQualify", "Endpoint": endpoint})
            await asyncio.sleep(0.3)
            if await app[ARI].endpoint_state("PJSIP", endpoint) == "online":
                return


async def _operators_work(rig: DialerRig, talk_s: float, stop: asyncio.Event) -> None:
    """Operators talk for `talk_s`, hang up, and are ready again at once."""
    center = rig.app[CALL_CENTER]
    while not stop.is_set():
        now = time.monotonic()
        for user_id in rig.operators:
            op = center.desk.get(user_id)
            if op is None:
                continue
            if op.state is OperatorState.TALKING and now - op.since >= talk_s:
                with contextlib.suppress(Exception):
                    await center.end_call(user_id)
            elif op.state is OperatorState.WRAP_UP:
                await center.set_ready(user_id, True)
        await asyncio.sleep(0.05)


async def dialer_step(rig: DialerRig, rate: float, seconds: float, talk_s: float) -> Step:
    step = Step("dialer", rate, seconds)
    app, pool = rig.app, rig.app[POOL]
    placer, floor = app[PLACER], app[CALL_CENTER].floor
    stop = asyncio.Event()
    pinger = asyncio.create_task(_ping_rtts(app[AMI], step.ami_rtt_ms, stop))
    workers = asyncio.create_task(_operators_work(rig, talk_s, stop))
    calls: list[asyncio.Task[Any]] = []

    sampler = asyncio.create_task(_count_channels(app[ARI], step, "", stop))
    audio = asyncio.create_task(_count_audio(step, stop))
    started_at = await pool.fetchval("select now()")
    app[CALL_CENTER].bridge_latencies.clear()
    app[DESK_HUB].pop_latencies.clear()
    callees = iter(rig.callees[n % len(rig.callees)] for n in range(10**9))
    step.placed = await _at_rate(
        rate,
        seconds,
        lambda: calls.append(
            asyncio.create_task(
                placer.place(
                    tenant_id=rig.tenant_id,
                    dial_string=f"PJSIP/{HUMAN_NUMBER}@trunk",
                    options=DialOptions(ring_timeout_s=15, amd=False),
                    who=next(callees),
                )
            )
        ),
    )
    results = await asyncio.gather(*calls, return_exceptions=True)
    step.failed = sum(
        1 for r in results if isinstance(r, BaseException) or str(r.outcome) != "answered"
    )
    step.answered = step.placed - step.failed
    # Drain: every call ends (conversation, or courtesy message) before rows are checked;
    # one still open after that counts as lost.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(60):
            while floor.live_calls(rig.tenant_id):
                await asyncio.sleep(0.25)
    await asyncio.sleep(1)
    stop.set()
    await asyncio.gather(pinger, workers, sampler, audio)
    rows = await pool.fetch(
        "select status, ended_at from call_attempts where tenant_id = $1 and created_at >= $2",
        rig.tenant_id,
        started_at,
    )
    step.lost_rows = (step.placed - len(rows)) + sum(
        1 for r in rows if r["ended_at"] is None or r["status"] in ("dialing", "unknown")
    )
    step.bridge_ms = [1000 * s for s in app[CALL_CENTER].bridge_latencies]
    app[CALL_CENTER].bridge_latencies.clear()
    step.pop_ms = [1000 * s for s in app[DESK_HUB].pop_latencies]
    app[DESK_HUB].pop_latencies.clear()
    step.statuses = dict(Counter(r["status"] + ("" if r["ended_at"] else " (open)") for r in rows))
    return step


async def _measured(step_coro: Awaitable[Step], meter: CpuMeter) -> Step:
    before = meter.sample()
    step = await step_coro
    cpu = meter.percent(before, meter.sample())
    step.dialer_cpu_pct, step.asterisk_cpu_pct, step.sipp_cpu_pct = (
        cpu["dialer"],
        cpu["asterisk"],
        cpu["sipp"],
    )
    return step


def bottleneck(step: Step) -> str:
    """The process nearest a full core (each is single-threaded where it counts), or the
    machine when together they use both cores."""
    loads = {
        "the dialer": step.dialer_cpu_pct,
        "Asterisk": step.asterisk_cpu_pct,
        "sipp": step.sipp_cpu_pct,
    }
    name, load = max(loads.items(), key=lambda kv: kv[1])
    total = sum(loads.values())
    if total >= 170:
        return f"the machine's two cores ({total:.0f} % in all; {name} {load:.0f} %)"
    return f"{name} ({load:.0f} % of a core)"


async def run_bench(
    settings: Settings,
    rates: list[float],
    seconds: float,
    hold_s: float,
    talk_s: float,
    endpoints: list[str],
) -> dict[str, Any]:
    """Start the rig, step each loop's rate up until a step fails, return the figures."""
    started = deploy("asterisk.sh", "start", "90")
    if started.returncode != 0:
        raise RuntimeError(f"deploy/asterisk.sh start failed: {started.stderr.strip()}")
    debtors = SippPhone("debtors", "debtor_uas.xml", settings.trunk_port, 32000, 5090)
    phones = SippPhone("operators", "operator_phone_uas.xml", 5072, 32010, 5092)
    debtors.start()
    phones.start()
    meter = CpuMeter()
    report: dict[str, Any] = {"steps": []}
    # The bare loop has its own AMI connection, so its events reach nobody else.
    bare_ami = AmiClient(ami_config(settings))
    bare_ami.start()
    try:
        await bare_ami.readiness.wait_ready(30)
        async with dialer_rig(settings, endpoints) as rig:
            for loop in ("bare", "dialer"):
                for rate in rates:
                    if loop == "bare":
                        step = await _measured(
                            bare_step(bare_ami, rig.app[ARI], rate, seconds, hold_s), meter
                        )
                    else:
                        step = await _measured(dialer_step(rig, rate, seconds, talk_s), meter)
                    report["steps"].append(step.summary())
                    if not step.passed:
                        report[f"{loop}_gave_way"] = {"rate": rate, "bottleneck": bottleneck(step)}
                        break
    finally:
        await bare_ami.close()
        phones.stop()
        debtors.stop()
    for loop in ("bare", "dialer"):
        passed = [s for s in report["steps"] if s["loop"] == loop and s["passed"]]
        report[f"{loop}_sustained_cps"] = max((s["achieved_cps"] for s in passed), default=0)
        report[f"{loop}_max_concurrent"] = max((s["max_concurrent"] for s in passed), default=0)
    return report


def print_table(report: dict[str, Any]) -> None:
    print(
        f"{'loop':7} {'cps':>6} {'placed':>7} {'fail':>5} {'lost':>5} {'concur':>7}"
        f" {'rtt50':>7} {'rtt99':>7} {'brg50':>7} {'brg99':>7} {'dialer%':>8}"
        f" {'ast%':>6} {'sipp%':>6} {'pop50':>7} {'pop99':>7} {'rtp2way':>7}  ok"
    )
    for s in report["steps"]:
        print(
            f"{s['loop']:7} {s['achieved_cps']:6.1f} {s['placed']:7d} {s['failed']:5d}"
            f" {s['lost_rows']:5d} {s['max_concurrent']:7d} {s['ami_rtt_p50_ms']:7.2f}"
            f" {s['ami_rtt_p99_ms']:7.2f} {s['answer_to_bridge_p50_ms']:7.2f}"
            f" {s['answer_to_bridge_p99_ms']:7.2f} {s['dialer_cpu_pct']:8.1f}"
            f" {s['asterisk_cpu_pct']:6.1f} {s['sipp_cpu_pct']:6.1f}"
            f" {s['bridge_to_pop_p50_ms']:7.2f} {s['bridge_to_pop_p99_ms']:7.2f}"
            f" {s['max_audio_both_ways']:7d}  {s['passed']}"
        )
    for loop in ("bare", "dialer"):
        gave = report.get(f"{loop}_gave_way")
        limit = (
            f"gave way at {gave['rate']:g}/s: {gave['bottleneck']}" if gave else "held every step"
        )
        print(
            f"{loop}: sustained {report[f'{loop}_sustained_cps']:g} calls/s,"
            f" {report[f'{loop}_max_concurrent']} concurrent; {limit}"
        )
