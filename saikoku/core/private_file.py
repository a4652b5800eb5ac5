"""Files that carry personal data out of the database (exports, import error reports):
readable and writable by their owner only.

The file is mode 0600 from its first byte — `os.open` with the mode, never a chmod after,
which would leave a window — under a temporary name in the same folder, moved into place
once complete. A reader never sees half a file, and a file already there (whatever its mode)
is replaced rather than rewritten in place."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

PRIVATE_MODE = 0o600


@contextlib.contextmanager
def private_text_file(
    path: Path, *, encoding: str, errors: str = "strict", newline: str | None = None
) -> Iterator[TextIO]:
    """Write text to `path` as its owner's alone; nothing is left behind on an error."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_MODE)
    try:
        with os.fdopen(fd, "w", encoding=encoding, errors=errors, newline=newline) as handle:
            yield handle
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
