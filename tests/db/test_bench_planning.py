"""`saikoku bench planning` on a small ward: the synthetic people meet the rules they were
made for, and preview and plan agree."""

from __future__ import annotations

from datetime import datetime

from saikoku.config.settings import Settings
from saikoku.core.tokyo import TOKYO
from saikoku.devtools.bench_planning import run


async def test_the_bench_ward_touches_the_rules(settings: Settings, migrated_database: str) -> None:
    figures = await run(settings, 200, repeat=2, now=datetime(2026, 11, 26, 10, tzinfo=TOKYO))
    assert figures["candidates"] == 200
    assert figures["excluded"] == {
        "no_call_deceased": 2,
        "settled": 10,
        "installment_plan": 5,
        "contacted_recently": 10,
    }
    assert (figures["letters"], figures["to_call"]) == (30, 143)
    assert set(figures["segments"]) == {"resident/current", "light_vehicle+resident/current+past"}
    assert figures["runs"] == 2 and figures["plan_s"]["min"] > 0 and figures["claim_s"]["min"] > 0
