"""The personal-data canary: unique markers in a person's name, furigana, phone number,
address and conversation logs go through an import (with a bad row), a campaign call on the
rig (screen-pop, person card, outcome, hand-off, recording), ward staff's hand-off list, an
export and the auditor's export, and a few requests the service must refuse. Then every log
the product, Asterisk and the sipp phones wrote meanwhile is read: no marker may be in any."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from saikoku.cli.main import main
from saikoku.core.tokyo import TOKYO
from saikoku.devtools.rig import ROOT, SippPhone
from saikoku.web.keys import POOL
from store.passwords import hash_password
from tests.db.linkage_files import PERSONS_HEADER, PHONES_HEADER, write_csv
from tests.pbx.conftest import BASE_URL
from tests.pbx.desk import PASSWORD, Desk, signed_in
from tests.pbx.test_bridging import wait_attempt

HISTORY_HEADER = ["宛名番号", "日時", "種別", "内容"]
KANJI_DIGITS = "〇一二三四五六七八九"
KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモ"

# The carrier's own log of the calls it received (sipp's debtors): the number dialed is what
# a carrier must be given, so there it is expected — and proves the scan sees what is written.
CARRIER_LOG = "sipp-debtors-calls.log"
# Where Asterisk writes: the chroot's log folder (deploy/asterisk.sh), a system Asterisk's
# private one, and its console output; the sipp phones' logs.
RIG = ROOT / ".rig"
LOG_FOLDERS = (
    Path("/var/cache/saikoku/asterisk-sid/var/log/asterisk"),
    RIG / "asterisk-system" / "log",
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Markers:
    """This run's markers: nothing else in any log can hold them by chance."""

    def __init__(self) -> None:
        def kanji() -> str:
            return "".join(secrets.choice(KANJI_DIGITS) for _ in range(6))

        def kana() -> str:
            return "".join(secrets.choice(KATAKANA) for _ in range(6))

        self.name = f"鵺野 {kanji()}"
        self.kana = f"ヌエノ {kana()}"
        self.address = f"東京都さいこく区鵺町{kanji()}番地"
        self.history = f"鵺の経過記録{kanji()}"
        self.conversation = f"鵺の会話記録{kanji()}"
        self.handoff = f"鵺の引継ぎ{kanji()}"
        self.bad_name = f"鵺原 {kanji()}"
        self.bad_cell = f"鵺暦{kanji()}"
        self.refused = f"鵺の拒否{kanji()}"
        # A mobile number ending in 0: the sipp debtor answers it as a person.
        middle = f"{secrets.randbelow(10**7):07d}"
        self.national = f"090{middle}0"
        self.phone = f"090-{middle[:4]}-{middle[4:]}0"

    def texts(self) -> list[str]:
        return [
            self.name,
            self.kana,
            self.address,
            self.history,
            self.conversation,
            self.handoff,
            self.bad_name,
            self.bad_cell,
            self.refused,
        ]

    def forms(self, stored: list[str]) -> list[str]:
        """Every form a marker may take in a log: as written, as the product stored it, the
        given name alone, percent-encoded (a request line); the number national with and
        without hyphens, E.164, and its digits after the leading 0 (any dial string)."""
        texts = [*self.texts(), *stored]
        texts += [t.split(" ")[-1] for t in texts if " " in t]
        texts += [quote(t) for t in texts]
        return sorted(set(texts + self.numbers()))

    def numbers(self) -> list[str]:
        return [self.phone, self.national, "+81" + self.national[1:], self.national[1:]]


@pytest.fixture
def markers() -> Markers:
    return Markers()


class LogFiles:
    """The files Asterisk and sipp write, read from where they stood when the test began."""

    def __init__(self) -> None:
        self.start = {path: path.stat().st_size for path in self._files()}

    @staticmethod
    def _files() -> list[Path]:
        files = [p for folder in LOG_FOLDERS if folder.is_dir() for p in folder.rglob("*")]
        files += [RIG / "asterisk.log", *RIG.glob("sipp-*.log")]
        return sorted(p for p in files if p.is_file())

    def written(self) -> Iterator[tuple[str, str]]:
        for path in self._files():
            with path.open("rb") as handle:
                begin = self.start.get(path, 0)
                handle.seek(begin if begin <= path.stat().st_size else 0)
                yield str(path), handle.read().decode("utf-8", "replace")


@contextlib.asynccontextmanager
async def logged_in(
    service: web.Application, tenant_id: uuid.UUID, login: str, role: str
) -> AsyncIterator[Desk]:
    """A ward-side account (staff, auditor) logged in over HTTP."""
    pool: asyncpg.Pool = service[POOL]
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    await pool.execute(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, $2, $2, $3, $4) on conflict (tenant_id, login_id) do nothing",
        tenant_id,
        login,
        role,
        hash_password(PASSWORD),
    )
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        base = service[BASE_URL]
        async with http.post(
            base + "/api/login", json={"tenant": code, "login": login, "password": PASSWORD}
        ) as response:
            assert response.status == 200
            yield Desk(http, base, (await response.json())["csrf_token"])


def export_files(folder: Path, m: Markers, *, bad_row: bool) -> list[Path]:
    """The marker person (1001) and another (1002), their phones and an imported history
    row; with `bad_row`, a third person whose birth date no one can read."""
    folder.mkdir(parents=True, exist_ok=True)
    persons = [
        ["1001", m.name, m.kana, "女", "昭和60年4月12日", "190-0012", m.address, ""],
        ["1002", "納税 次郎", "ノウゼイ ジロウ", "男", "H5.1.3", "190-0013", "さいこく区2-3", ""],
    ]
    if bad_row:
        persons.append(["1003", m.bad_name, "", "男", m.bad_cell, "190-0014", m.address, ""])
    last = f"{secrets.randbelow(10**4):04d}"
    return [
        write_csv(folder, "宛名.csv", PERSONS_HEADER, persons),
        write_csv(
            folder,
            "電話番号.csv",
            PHONES_HEADER,
            [["1001", m.phone, "携帯"], ["1002", f"03-5555-{last[:3]}0", ""]],
        ),
        write_csv(
            folder,
            "経過記録.csv",
            HISTORY_HEADER,
            [["1001", "2026-05-01 10:30", "電話", m.history]],
        ),
    ]


async def run_import(code: str, paths: list[Path], report: Path) -> int:
    argv = ["import", "--tenant", code, "--errors", str(report), *map(str, paths)]
    return await asyncio.to_thread(main, argv)


async def run_campaign(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    """The two imported people as the targets of a running progressive campaign."""
    owner = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv1', '監督者', 'supervisor', 'x') returning id",
        tenant_id,
    )
    campaign_id = await pool.fetchval(
        "insert into campaigns (tenant_id, name, status, pacing, created_by)"
        " values ($1, 'canary', 'running', $2::jsonb, $3) returning id",
        tenant_id,
        json.dumps({"mode": "progressive", "ring_timeout_s": 15, "amd_enabled": False}),
        owner,
    )
    await pool.execute(
        "insert into campaign_targets (tenant_id, campaign_id, person_id, priority)"
        " select $1, $2, id, case resident_number when '1001' then 2 else 1 end"
        " from persons where tenant_id = $1",
        tenant_id,
        campaign_id,
    )


async def take_call(
    desk: Desk, socket: aiohttp.ClientWebSocketResponse, outcome: dict[str, object]
) -> tuple[uuid.UUID, dict[str, object]]:
    """Wait for the screen-pop, open the person's card, hang up and save the outcome."""
    async with asyncio.timeout(30):
        while (message := await socket.receive_json())["type"] != "screen_pop":
            pass
    card = message["card"]
    status, shown = await desk.get(f"/api/operator/person/{card['person_id']}")
    assert status == 200, shown
    attempt_id = uuid.UUID(str(shown["attempt_id"]))
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    await desk.post("/api/operator/outcome", {"attempt_id": str(attempt_id), **outcome})
    await desk.post("/api/operator/ready", {"ready": True})
    return attempt_id, card


async def wait_recording(pool: asyncpg.Pool, attempt_id: uuid.UUID) -> None:
    async with asyncio.timeout(20):
        while not await pool.fetchval(
            "select stored_at is not null from recordings where attempt_id = $1", attempt_id
        ):
            await asyncio.sleep(0.1)


async def refused_requests(desk: Desk, staff: Desk, m: Markers, attempt_id: uuid.UUID) -> None:
    """Bad input carrying markers, each refused with a 400 that does not echo it."""
    outcome = "/api/operator/outcome"
    for path, who, body in (
        (outcome, desk, {"attempt_id": str(attempt_id), "disposition": "refused",
                         "conversation_log": f"{m.refused}\x00{m.phone}"}),
        (outcome, desk, {"attempt_id": str(attempt_id), "disposition": "promise_to_pay",
                         "conversation_log": m.refused,
                         "promise": {"date": "2099-01-01", "amount": 10**30}}),
        (outcome, desk, {"attempt_id": m.national, "disposition": "refused",
                         "conversation_log": m.refused}),
        (f"/api/handoffs/{uuid.uuid4()}/close", staff, {"result": f"{m.refused}\x00"}),
    ):  # fmt: skip
        status, answer = await who.send(path, body)
        assert status == 400, (path, answer)
        assert m.refused not in json.dumps(answer, ensure_ascii=False)
    for path in (f"/api/operator/person/{m.name}", f"/api/operator/person/{m.national}"):
        status, answer = await desk.get(path)
        assert status in (400, 404), answer


@pytest.mark.timeout(240)
async def test_no_marker_reaches_any_log(
    service: web.Application,
    operator_phones: SippPhone,
    tenant_id: uuid.UUID,
    markers: Markers,
    migrated_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    m = markers
    pool: asyncpg.Pool = service[POOL]
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    code: str = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    rig_logs = LogFiles()

    # The import: first with a bad row (refused, its value in the report file only), then good.
    report = tmp_path / "report.csv"
    assert await run_import(code, export_files(tmp_path / "bad", m, bad_row=True), report) == 1
    assert m.bad_cell in report.read_text(encoding="utf-8-sig")
    assert await run_import(code, export_files(tmp_path / "good", m, bad_row=False), report) == 0
    stored = await pool.fetchrow(
        "select name, name_kana, address from persons"
        " where tenant_id = $1 and resident_number = '1001'",
        tenant_id,
    )
    assert m.name.split(" ")[-1] in stored["name"]

    # The campaign: the marker person, then the other, taken at one desk.
    await run_campaign(pool, tenant_id)
    async with (
        signed_in(service, tenant_id, "op1", "op008") as (_, desk),
        logged_in(service, tenant_id, "staff1", "staff") as staff,
        logged_in(service, tenant_id, "kansa1", "auditor") as auditor,
        desk.desktop() as socket,
    ):
        await desk.post("/api/operator/sign-in")
        first, card = await take_call(
            desk,
            socket,
            {
                "disposition": "consultation_handoff",
                "conversation_log": f"{m.conversation} {m.phone}",
                "handoff_note": f"{m.handoff} 折り返し {m.phone}",
            },
        )
        assert card["name"] == stored["name"]
        await take_call(desk, socket, {"disposition": "refused", "conversation_log": "不在"})
        await wait_attempt(pool, first, "connected")

        # Ward staff: the hand-off list, the recording played back.
        status, handoffs = await staff.get("/api/handoffs")
        assert status == 200 and handoffs, handoffs
        await wait_recording(pool, first)
        async with staff.http.get(f"{staff.base}/api/recordings/{first}") as played:
            assert played.status == 200 and len(await played.read()) > 44
        await refused_requests(desk, staff, m, first)
        today = datetime.now(TOKYO).date().isoformat()
        assert (await auditor.get(f"/api/audit/reads?from={today}&to={today}"))[0] == 200

    # The reports: the history export and the auditor's export of the access log.
    since = today
    exported = tmp_path / "history.csv"
    argv = ["export", "history", "--since", since, "--out", str(exported), "--tenant", code]
    assert await asyncio.to_thread(main, [*argv, "--by", "staff1"]) == 0
    assert m.conversation in exported.read_text(encoding="utf-8-sig")
    reads = tmp_path / "reads.csv"
    argv = ["audit", "export", "--from", since, "--to", since, "--by", "kansa1"]
    assert await asyncio.to_thread(main, [*argv, "--out", str(reads), "--tenant", code]) == 0
    with reads.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) > 1

    # Every log written meanwhile: the service's (structlog and the stdlib's, the access log
    # among them, as rendered after the redaction), Asterisk's and sipp's.
    await asyncio.sleep(1)  # sipp writes a call's line when the call ends
    out, err = capfd.readouterr()
    sources = [("service stdout", out), ("service stderr", err), *rig_logs.written()]
    forms = m.forms([v for v in stored.values() if v])
    leaks = []
    for source, text in sources:
        plain = ANSI.sub("", text)
        expected = m.numbers() if source.endswith(CARRIER_LOG) else []
        if expected:
            assert m.national in plain, "the carrier's log holds the number it was called on"
        leaks += [(source, form) for form in forms if form in plain and form not in expected]
        print(f"canary: scanned {source}: {len(text.encode())} bytes")
    assert err and any("asterisk" in s or "sipp" in s for s, _ in sources)
    assert not leaks, leaks
