"""The real rig for tests: Asterisk through deploy/asterisk.sh, sipp phones as subprocesses."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIPP_DIR = ROOT / "tests" / "sipp"
AUDIO_DIR = ROOT / ".rig" / "audio"


def deploy(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / script), *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )


def make_audio() -> Path:
    subprocess.run(["bash", str(SIPP_DIR / "make_audio.sh"), str(AUDIO_DIR)], check=True,
                   capture_output=True)
    return AUDIO_DIR


@dataclass
class SippPhone:
    """One sipp process playing a scenario on a local UDP port."""

    scenario: str
    port: int
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [
            "sipp", "-sf", str(SIPP_DIR / self.scenario),
            "-i", "127.0.0.1", "-p", str(self.port), "-mi", "127.0.0.1",
            "-key", "audio_dir", str(AUDIO_DIR),
            "-aa", "-nostdin", "-trace_err",
            "-error_file", str(ROOT / ".rig" / f"sipp-{self.port}-errors.log"),
            *self.extra,
        ]

    async def start(self) -> None:
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            cwd=ROOT / ".rig", start_new_session=True,
        )
        await asyncio.sleep(0.3)
        if self.process.poll() is not None:
            err = self.process.stderr.read().decode() if self.process.stderr else ""
            raise RuntimeError(f"sipp {self.scenario} exited at start: {err}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None
