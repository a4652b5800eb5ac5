"""Storable text and validation problems told without repeating what was sent."""

from __future__ import annotations

from uuid import UUID

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from saikoku.core.inputs import Text, problems


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text | None = None
    id: UUID | None = None


@pytest.mark.parametrize("note", ["a\x00b", "\ud800", "ok \udfff"])
def test_text_refuses_what_postgresql_cannot_store(note: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Body(note=note)
    assert problems(caught.value)[0]["field"] == "note"


def test_text_takes_any_other_unicode() -> None:
    assert Body(note="納税 😀 \t\n").note == "納税 😀 \t\n"


def test_problems_never_repeat_sent_names_or_values() -> None:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"id": "secret-zqxj", "nested": {"x": 1}, "secret_key_zqxj": 1})
    found = problems(caught.value)
    assert {"field": "", "problem": "unknown field"} in found
    assert {"field": "id", "problem": "Input should be a valid UUID"} in found
    assert "zqxj" not in repr(found) and "secret" not in repr(found)
