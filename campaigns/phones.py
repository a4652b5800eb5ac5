"""Which of a person's numbers the center dials: the one rule, used by the predictive dialer,
the preview dialer and the contact policy's view of a person (mobile or landline windows)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from store.db import Executor

# A number is dialable while valid, not marked wrong by an operator and still in the ward's
# export; a mobile number comes first (people answer it through the day), then the oldest.
BEST_PHONE_SQL = """
select distinct on (person_id) person_id, id, kind, phone_e164 from phones
 where person_id = any($1::uuid[]) and is_valid and marked_wrong_at is null
   and missing_since is null
 order by person_id, (kind = 'mobile') desc, created_at
"""


@dataclass(frozen=True)
class BestPhone:
    phone_id: UUID
    kind: str
    # Personal data: never logged.
    e164: str

    @property
    def national(self) -> str:
        return national_number(self.e164)


def national_number(e164: str) -> str:
    """+81312345678 → 0312345678: the carrier trunk takes domestic numbers."""
    return "0" + e164.removeprefix("+81") if e164.startswith("+81") else e164


async def best_phones(conn: Executor, person_ids: list[UUID]) -> dict[UUID, BestPhone]:
    """Each person's number to dial; people with none are left out."""
    rows = await conn.fetch(BEST_PHONE_SQL, person_ids)
    return {r["person_id"]: BestPhone(r["id"], r["kind"], r["phone_e164"]) for r in rows}
