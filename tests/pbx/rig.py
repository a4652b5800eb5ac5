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

    media_port: int = 32000
    control_port: int = 5090

    def command(self) -> list[str]:
        logs = ROOT / ".rig" / f"sipp-{self.port}"
        # Audio is read from ./audio/ relative to the working folder (.rig): sipp 3.6 caches
        # rtp_stream files before it substitutes keywords, so the path cannot be a -key.
        return [
            "sipp", "-sf", str(SIPP_DIR / self.scenario),
            "-i", "127.0.0.1", "-p", str(self.port), "-mi", "127.0.0.1",
            "-mp", str(self.media_port), "-cp", str(self.control_port), "-ci", "127.0.0.1",
            "-t", "u1", "-aa", "-nostdin", "-max_recv_loops", "10000",
            "-max_sched_loops", "10000",
            "-trace_err", "-error_file", f"{logs}-errors.log",
            "-trace_logs", "-log_file", f"{logs}-calls.log",
            *self.extra,
        ]

    async def start(self) -> None:
        make_audio()
        stderr_path = ROOT / ".rig" / f"sipp-{self.port}-stderr.log"
        with stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                self.command(), stdout=subprocess.DEVNULL, stderr=stderr,
                cwd=AUDIO_DIR.parent, start_new_session=True,
            )
        await asyncio.sleep(0.3)
        if self.process.poll() is not None:
            raise RuntimeError(
                f"sipp {self.scenario} exited at start: {stderr_path.read_text().strip()}"
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None
