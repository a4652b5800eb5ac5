"""What we accept from outside: text that can be stored, and what was wrong with a body told in
words that never repeat what was sent (a sent value may be personal data, or may not even be
encodable in an answer)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ValidationError

UNSTORABLE = "must not contain NUL characters or unpaired surrogates"


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and a lone surrogate (JSON allows "\ud800") has no UTF-8.
    if "\x00" in value:
        raise ValueError(UNSTORABLE)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(UNSTORABLE) from None
    return value


# Free text a request may carry into the database; length limits stay with each field.
Text = Annotated[str, AfterValidator(_storable)]

# Error types whose pydantic message quotes part of the input.
_QUOTING = {"uuid_parsing": "Input should be a valid UUID"}


def problems(exc: ValidationError) -> list[dict[str, str]]:
    """Each wrong field and what is wrong with it. An unknown field is named by where it was
    found, not by its (sent) name."""
    found = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        loc, problem = error["loc"], _QUOTING.get(error["type"], error["msg"])
        if error["type"] == "extra_forbidden":
            loc, problem = loc[:-1], "unknown field"
        found.append({"field": ".".join(str(part) for part in loc), "problem": problem})
    return found
