"""The committed format pages are what spec.py generates: regenerate them with
`saikoku linkage docs` after changing the format."""

import tempfile
from pathlib import Path

from campaigns.linkage.docs import write_docs
from saikoku.cli.dev import DOC_EXAMPLE_PEOPLE, DOC_EXAMPLE_SEED
from saikoku.devtools.synth import write_synthetic_ward

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "interchange"


def test_committed_pages_match_the_spec(tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory() as ward:
        write_synthetic_ward(DOC_EXAMPLE_PEOPLE, DOC_EXAMPLE_SEED, Path(ward))
        written = write_docs(tmp_path, Path(ward))
    for page in written:
        assert (COMMITTED / page.name).read_text("utf-8") == page.read_text("utf-8"), page.name
