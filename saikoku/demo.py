"""The demo the README's first command runs: a few real calls to sipp debtors, printed."""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg
from aiohttp import web

from dialer import attempts
from dialer.calls import DialOptions
from saikoku.app import AMI, ARI_EVENTS, PLACER, create_app
from saikoku.settings import Settings
from saikoku.web.keys import POOL

# The sipp debtor population (tests/sipp/debtor_uas.xml) behaves by the number's last digit.
DEMO_DEBTORS = [
    ("0312340010", "answers and says もしもし"),
    ("0312340021", "answering machine"),
    ("0312340032", "busy"),
    ("0312340043", "rings, never answers"),
    ("0312340054", "rejects the call"),
    ("0312340066", "number not in service"),
]


async def ensure_tenant(pool: asyncpg.Pool, code: str, name: str) -> UUID:
    tenant_id: UUID = await pool.fetchval(
        """
        insert into tenants (code, name) values ($1, $2)
        on conflict (code) do update set name = excluded.name
        returning id
        """,
        code, name,
    )
    return tenant_id


async def wait_until_ended(pool: asyncpg.Pool, attempt_id: UUID, timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            attempt = await attempts.fetch(pool, attempt_id)
            if attempt is not None and attempt.ended_at is not None:
                return
            await asyncio.sleep(0.2)


async def run_demo_calls(settings: Settings, dial_template: str, ring_timeout_s: float) -> int:
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    try:
        await app[AMI].readiness.wait_ready(60)
        await app[ARI_EVENTS].readiness.wait_ready(60)
        pool = app[POOL]
        tenant_id = await ensure_tenant(pool, "demo_tax", "デモ区 税務課 納税係")
        options = DialOptions(ring_timeout_s=ring_timeout_s)
        results = await asyncio.gather(*(
            app[PLACER].place(
                tenant_id=tenant_id, dial_string=dial_template.format(number=number),
                options=options,
            )
            for number, _ in DEMO_DEBTORS
        ))
        for result in results:
            await wait_until_ended(pool, result.attempt_id, ring_timeout_s + 30)
        print(f"{'debtor':<28} {'status':<15} {'reason':>6} {'cause':>5}  amd")
        for (_, behaviour), result in zip(DEMO_DEBTORS, results, strict=True):
            row = await attempts.fetch(pool, result.attempt_id)
            assert row is not None
            print(
                f"{behaviour:<28} {row.status:<15} {row.originate_reason!s:>6} "
                f"{row.hangup_cause!s:>5}  {row.amd_status or '-'} {row.amd_cause or ''}"
            )
        return 0
    finally:
        await runner.cleanup()
