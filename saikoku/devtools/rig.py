"""The real rig (Asterisk 22 and sipp phones on loopback) driven through the deploy/ scripts,
for the PBX tests, the demo and `saikoku bench pbx`. Needs a checkout: the scripts live
beside it."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from saikoku.config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def plain_http(settings: Settings) -> Settings:
    """The settings for serving the rig's plain HTTP on loopback: a Secure session cookie
    would never come back there. Set here, not in .env, so no machine's service inherits it."""
    return settings.model_copy(update={"web_cookie_secure": False})


def deploy(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run deploy/<script> with arguments; the caller checks the return code."""
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / script), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@dataclass
class SippPhone:
    """One sipp process playing a scenario of tests/sipp/ on a local UDP port."""

    name: str
    scenario: str
    port: int
    media_port: int
    control_port: int

    def start(self) -> None:
        started = deploy(
            "sipp.sh",
            "start",
            self.name,
            self.scenario,
            str(self.port),
            str(self.media_port),
            str(self.control_port),
        )
        if started.returncode != 0:
            raise RuntimeError(f"sipp {self.name}: {started.stderr.strip()}")

    def stop(self) -> None:
        deploy("sipp.sh", "stop", self.name)
