"""A day's figures, and their means and spreads over replicated days."""

from __future__ import annotations

import statistics

from dialer.pacing.settings import RULE_CAP_PCT
from dialer.sim.engine import DayResult

CAP = RULE_CAP_PCT / 100
MIN_BUCKET_LIVE = 10  # a 15-minute window with fewer live answers says nothing about a rate

METRICS = (
    "talk_min_per_operator_hour",
    "occupancy",
    "abandon_rate",
    "worst_15min_abandon_rate",
    "calls_placed",
    "live_answers",
)


def day_metrics(day: DayResult) -> dict[str, float]:
    operator_s = day.operators * day.seconds
    buckets = [
        a / n
        for a, n in zip(day.abandoned_by_bucket, day.live_by_bucket, strict=True)
        if n >= MIN_BUCKET_LIVE
    ]
    return {
        "talk_min_per_operator_hour": day.talk_s / 60 / (operator_s / 3600),
        "occupancy": day.busy_s / operator_s,
        "abandon_rate": day.abandoned / day.live_answers if day.live_answers else 0.0,
        "worst_15min_abandon_rate": max(buckets, default=0.0),
        "calls_placed": float(day.calls_placed),
        "live_answers": float(day.live_answers),
    }


def summarise(days: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of each figure; `days_over_cap` is the share of days whose
    abandon rate exceeded the 3 % cap."""
    summary = {
        name: {
            "mean": statistics.fmean(d[name] for d in days),
            "sd": statistics.stdev(d[name] for d in days) if len(days) > 1 else 0.0,
        }
        for name in METRICS
    }
    over = [1.0 if d["abandon_rate"] > CAP else 0.0 for d in days]
    summary["days_over_cap"] = {
        "mean": statistics.fmean(over),
        "sd": statistics.stdev(over) if len(over) > 1 else 0.0,
    }
    return summary
