"""`saikoku bench planning --people N [--repeat R]`: preview and plan a campaign over N
synthetic people, made directly in SQL in a throw-away tenant, and print one JSON line.

Every person owes this year's resident tax in two installments and most have a phone; the
mix touches most rules: every 10th has paid (settled), every 5th has no phone (a letter),
every 20th (offset 3) was contacted three days ago, every 40th (offset 9) pays by an
installment plan, every 100th (offset 11) is deceased, and every 4th also owes last year's
light-vehicle tax. The build ends with VACUUM ANALYZE of the ward's tables. Preview runs R
times; plan R times, each into a new draft campaign. The last campaign is then set running
and the dialer's claim (`next_targets`, CLAIM_BATCH people) timed R times: the claim reads
the campaign's queue, which is as long as the plan made it. The load average is printed
with the figures: the machine may be shared."""

from __future__ import annotations

import os
import statistics
import time
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from campaigns.planning import Scope, plan, preview
from campaigns.targets import next_targets
from saikoku.config.settings import Settings
from saikoku.core.tokyo import TOKYO
from store.db import batch_pool

WARD_SQL = """
with p as (
    insert into persons (tenant_id, resident_number, name_raw, name, delinquency_category,
                         no_call_category, do_not_call)
    select $1, n::text, '試験 太郎', '試験 太郎', '現年',
           case when n % 100 = 11 then 'deceased' end, n % 100 = 11
      from generate_series(1, $2) n
    returning id, resident_number::int as n),
b as (
    insert into tax_bills (tenant_id, person_id, tax_type, fiscal_year, notice_number,
                           annual_amount)
    select $1, id, 'resident', 2026, 'N' || n, 40000 + n % 97 * 1000 from p
    union all
    select $1, id, 'light_vehicle', 2025, 'V' || n, 10800 from p where n % 4 = 0
    returning id, tax_type, annual_amount, notice_number),
i as (
    insert into installments (tenant_id, bill_id, installment_no, assessed_amount, paid_amount,
                              due_date)
    select $1, b.id, k, b.annual_amount / 2,
           case when substr(b.notice_number, 2)::int % 10 = 0 then b.annual_amount / 2 else 0 end,
           case k when 1 then date '2026-06-30' else date '2026-08-31' end
      from b cross join generate_series(1, 2) k where b.tax_type = 'resident'
    union all
    select $1, b.id, 1, b.annual_amount, 0, date '2025-05-31'
      from b where b.tax_type = 'light_vehicle'),
f as (
    insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid, source)
    select $1, id, 'landline', '03', '+8131' || lpad(n::text, 8, '0'), true, 'import'
      from p where n % 5 <> 0),
x as (
    insert into installment_plans (tenant_id, person_id, status)
    select $1, id, 'active' from p where n % 40 = 9)
insert into history (tenant_id, person_id, source, contacted_at, content, author_id)
select $1, id, 'call_center', now() - interval '3 days', 'bench', null from p where n % 20 = 3
"""

CLAIM_BATCH = 10  # people per timed claim

WARD_TABLES = ("persons", "tax_bills", "installments", "phones", "installment_plans", "history")


def spread(seconds: list[float]) -> dict[str, float]:
    return {
        "min": round(min(seconds), 3),
        "median": round(statistics.median(seconds), 3),
        "max": round(max(seconds), 3),
    }


async def run(
    settings: Settings, people: int, repeat: int = 1, now: datetime | None = None
) -> dict[str, Any]:
    pool = await batch_pool(settings.database_url)
    try:
        code = f"bench_plan_{time.time_ns()}"
        tenant = await pool.fetchval(
            "insert into tenants (code, name) values ($1, 'bench') returning id", code
        )
        try:
            started = time.perf_counter()
            async with pool.acquire() as conn:
                await conn.execute(WARD_SQL, tenant, people)
            # as after an import and autovacuum's next round, and so that autovacuum does
            # not start on the new rows while the timings run; only the owner may vacuum
            owner = await asyncpg.connect(
                settings.migration_url, server_settings={"search_path": "saikoku"}
            )
            try:
                await owner.execute("vacuum (analyze) " + ", ".join(WARD_TABLES))
            finally:
                await owner.close()
            built = time.perf_counter() - started
            user = await pool.fetchval(
                "insert into users (tenant_id, login_id, display_name, role, password_hash)"
                " values ($1, 'bench', 'bench', 'supervisor', 'x') returning id",
                tenant,
            )
            now = now or datetime.now(TOKYO)
            previewed: list[float] = []
            planned: list[float] = []
            async with pool.acquire() as conn:
                for _ in range(repeat):
                    started = time.perf_counter()
                    counts = await preview(conn, tenant, Scope(), now)
                    previewed.append(time.perf_counter() - started)
                for n in range(repeat):
                    campaign = await conn.fetchval(
                        "insert into campaigns (tenant_id, name, created_by)"
                        " values ($1, $2, $3) returning id",
                        tenant,
                        f"bench {n}",
                        user,
                    )
                    started = time.perf_counter()
                    written = await plan(conn, tenant, campaign, Scope(), now)
                    planned.append(time.perf_counter() - started)
                    if written != counts:
                        raise RuntimeError(f"plan counted {written}, preview {counts}")
                claimed = await _claims(conn, campaign, now, repeat)
        finally:
            await pool.execute("delete from tenants where id = $1", tenant)
        return {
            "people": people,
            "build_s": round(built, 2),
            "preview_s": spread(previewed),
            "plan_s": spread(planned),
            "claim_s": spread(claimed),
            "runs": repeat,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            **counts.as_dict(),
        }
    finally:
        await pool.close()


async def _claims(
    conn: asyncpg.Connection, campaign: UUID, now: datetime, repeat: int
) -> list[float]:
    """Seconds per claim of CLAIM_BATCH targets of the planned campaign, set running (not
    through the lifecycle: this bench has no dialer to start)."""
    await conn.execute("update campaigns set status = 'running' where id = $1", campaign)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        await next_targets(conn, campaign, CLAIM_BATCH, now, worker="bench")
        timings.append(time.perf_counter() - started)
    return timings
