"""Which files need their cells trimmed: only those where a cell may start or end with a
space (the importer skips trimming the others)."""

from __future__ import annotations

import pytest

from campaigns.linkage.files import EdgeSpaces


def found(*chunks: bytes) -> bool:
    spaces = EdgeSpaces()
    for chunk in chunks:
        spaces.see(chunk)
    spaces.end()
    return spaces.found


@pytest.mark.parametrize(
    "text",
    [
        b"a,b\n1, 2\n",
        b"a,b\n1 ,2\n",
        b"a,b\n 1,2\n",
        b"a,b\n1,2 \n",
        b"a,b\r\n1,2 \r\n",
        b'a,b\n"1 ",2\n',
        b'a,b\n" 1",2\n',
        b" a,b\n",
        b"a,b\n1,2 ",
    ],
)
def test_a_padded_cell_is_seen(text: bytes) -> None:
    assert found(text)
    # and wherever the chunks split it
    assert all(found(text[:cut], text[cut:]) for cut in range(len(text) + 1))


@pytest.mark.parametrize(
    "text",
    [
        b"a,b\n1,2\n",
        "氏名,住所\n佐藤 花子,本町 1丁目\n".encode(),
        b"a\n",
    ],
)
def test_a_file_without_one_needs_no_trimming(text: bytes) -> None:
    assert not found(text)
    assert not any(found(text[:cut], text[cut:]) for cut in range(len(text) + 1))
