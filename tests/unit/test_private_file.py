"""Files with personal data are their owner's alone from the first byte, and nothing is left
behind when writing fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from saikoku.core.private_file import private_text_file


def test_written_mode_0600_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    previous = os.umask(0)
    try:
        with private_text_file(target, encoding="utf-8") as handle:
            handle.write("a,b\n")
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="utf-8") == "a,b\n"


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), private_text_file(target, encoding="utf-8") as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]
