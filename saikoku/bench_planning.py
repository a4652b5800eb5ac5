"""`saikoku bench planning --people N`: preview and plan a campaign over N synthetic people,
made directly in SQL (one bill of two installments and one phone each; every fifth person has
no phone, every tenth is settled, every twentieth contacted last week), in a throw-away tenant."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime
from typing import Any

from campaigns.planning import Scope, plan, preview
from campaigns.policy import TOKYO
from saikoku.linkage_cli import batch_pool
from saikoku.settings import Settings

WARD_SQL = """
with p as (
    insert into persons (tenant_id, resident_number, name_raw, name, delinquency_category)
    select $1, n::text, '試験 太郎', '試験 太郎', '現年' from generate_series(1, $2) n
    returning id, resident_number::int as n),
b as (
    insert into tax_bills (tenant_id, person_id, tax_type, fiscal_year, notice_number,
                           annual_amount)
    select $1, id, 'resident', 2026, 'N' || n, 40000 + n % 97 * 1000 from p
    returning id, annual_amount, notice_number),
i as (
    insert into installments (tenant_id, bill_id, installment_no, assessed_amount, paid_amount,
                              due_date)
    select $1, b.id, k, b.annual_amount / 2,
           case when substr(b.notice_number, 2)::int % 10 = 0 then b.annual_amount / 2 else 0 end,
           case k when 1 then date '2026-06-30' else date '2026-08-31' end
      from b cross join generate_series(1, 2) k),
f as (
    insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid, source)
    select $1, id, 'landline', '03', '+8131' || lpad(n::text, 8, '0'), true, 'import'
      from p where n % 5 <> 0)
insert into history (tenant_id, person_id, source, contacted_at, content, author_id)
select $1, id, 'call_center', now() - interval '3 days', 'bench', null from p where n % 20 = 0
"""


async def run(settings: Settings, people: int) -> dict[str, Any]:
    pool = await batch_pool(settings)
    try:
        code = f"bench_plan_{int(time.time())}"
        tenant = await pool.fetchval(
            "insert into tenants (code, name) values ($1, 'bench') returning id", code)
        started = time.perf_counter()
        async with pool.acquire() as conn:
            await conn.execute(WARD_SQL, tenant, people)
            await conn.execute("analyze")
        built = time.perf_counter() - started
        user = await pool.fetchval(
            "insert into users (tenant_id, login_id, display_name, role, password_hash)"
            " values ($1, 'bench', 'bench', 'supervisor', 'x') returning id", tenant)
        campaign = await pool.fetchval(
            "insert into campaigns (tenant_id, name, created_by) values ($1, 'bench', $2)"
            " returning id", tenant, user)
        now = datetime.now(TOKYO)
        async with pool.acquire() as conn:
            started = time.perf_counter()
            counts = await preview(conn, tenant, Scope(), now)
            previewed = time.perf_counter() - started
            started = time.perf_counter()
            await plan(conn, tenant, campaign, Scope(), now)
            planned = time.perf_counter() - started
        await pool.execute("delete from tenants where id = $1", tenant)
        return {"people": people, "build_s": round(built, 2), "preview_s": round(previewed, 3),
                "plan_s": round(planned, 3), "to_call": counts.to_call,
                "letters": counts.letters, "excluded": dict(counts.excluded)}
    finally:
        await pool.close()


def bench_planning_command(settings: Settings | None, args: argparse.Namespace) -> int:
    assert settings is not None
    print(json.dumps(asyncio.run(run(settings, args.people)), ensure_ascii=False))
    return 0


def add_command(bench: Any) -> None:
    parser = bench.add_parser("planning", help="preview and plan N synthetic people, JSON out")
    parser.add_argument("--people", type=int, default=22_000)
    parser.set_defaults(run=bench_planning_command)
