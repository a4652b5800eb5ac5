"""The bench as a PNG: talk time per cell and policy against the ceiling, and abandon rates
against the cap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server

import matplotlib.pyplot as plt

from dialer.sim.metrics import CAP


def write_chart(report: dict[str, Any], path: Path) -> None:
    cells = report["cells"]
    policies: list[str] = report["policies"]
    width = 0.8 / len(policies)
    fig, (talk_ax, abandon_ax) = plt.subplots(
        2, 1, figsize=(max(10, 1.3 * len(cells)), 9), sharex=True
    )
    for k, policy in enumerate(policies):
        xs = [i + (k - (len(policies) - 1) / 2) * width for i in range(len(cells))]
        talk = [c["policies"][policy]["talk_min_per_operator_hour"] for c in cells]
        abandon = [c["policies"][policy]["abandon_rate"] for c in cells]
        talk_ax.bar(
            xs, [t["mean"] for t in talk], width, yerr=[t["sd"] for t in talk], label=policy
        )
        abandon_ax.bar(
            xs,
            [100 * a["mean"] for a in abandon],
            width,
            yerr=[100 * a["sd"] for a in abandon],
            label=policy,
        )
    for i, cell in enumerate(cells):
        talk_ax.hlines(
            cell["ceiling_talk_min_per_operator_hour"],
            i - 0.45,
            i + 0.45,
            colors="black",
            linestyles="dotted",
        )
    abandon_ax.axhline(100 * CAP, color="red", linestyle="--", label="3 % cap")
    talk_ax.set_ylabel("talk min per operator-hour\n(dotted: talk / (talk + wrap) ceiling)")
    abandon_ax.set_ylabel("abandoned / live answers, %")
    abandon_ax.set_xticks(range(len(cells)), [c["cell"] for c in cells], rotation=30, ha="right")
    top = max(c["ceiling_talk_min_per_operator_hour"] for c in cells)
    talk_ax.set_ylim(0, top * 1.3)  # room for the legend above the bars
    talk_ax.legend(ncols=4, fontsize="small", loc="upper center")
    abandon_ax.legend(fontsize="small", loc="upper left")
    title = "quick" if report["quick"] else f"{report['replications']} days per policy and cell"
    talk_ax.set_title(f"saikoku bench pacing — {title}, common random numbers")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
