"""What goes on one reminder letter: the addressee as the post office needs it, and every
installment still owed in the campaign's taxes. Read in two queries for a whole batch."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Sender:
    """Who writes and where to call: the ward office, the tenant (税務課 納税係), the call
    center's number and hours."""

    office: str
    division: str
    phone: str
    hours: str


@dataclass(frozen=True)
class Due:
    """One installment still owed (principal and fixed late fee)."""

    installment_id: UUID
    tax_type: str
    fiscal_year: int
    installment_no: int
    due_date: date | None
    owed: int


@dataclass(frozen=True)
class Letter:
    person_id: UUID
    resident_number: str  # 宛名番号: what the taxpayer quotes when they call
    taxpayer: str  # 納税者 (the person who owes)
    addressee: str  # who the envelope is for: the 送付先 name when there is one
    postal_code: str  # 7 digits
    address: str
    dues: tuple[Due, ...]  # oldest due first

    @property
    def total(self) -> int:
        return sum(d.owed for d in self.dues)


# Letters go to the mailing address (送付先) when the export has one — someone who moved away
# or asked for post elsewhere — else to the registered address.
PEOPLE_SQL = """
select p.id, p.resident_number, p.name,
       case when p.mailing_address is not null then coalesce(p.mailing_name, p.name)
            else p.name end as addressee,
       case when p.mailing_address is not null then p.mailing_postal_code
            else p.postal_code end as postal_code,
       coalesce(p.mailing_address, p.address) as address
  from persons p
 where p.tenant_id = $1 and p.id = any($2::uuid[])
"""

DUES_SQL = """
select b.person_id, i.id, b.tax_type, b.fiscal_year, i.installment_no, i.due_date,
       installment_owed(i) as owed
  from tax_bills b join installments i on i.bill_id = b.id
 where b.tenant_id = $1 and b.person_id = any($2::uuid[]) and b.tax_type = any($3::text[])
   and b.missing_since is null and i.missing_since is null and installment_owed(i) > 0
   and i.due_date < $4
 order by b.person_id, i.due_date nulls last, b.tax_type, b.fiscal_year, i.installment_no
"""


async def gather(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    person_ids: list[UUID],
    tax_types: list[str],
    today: date,
) -> tuple[list[Letter], list[UUID]]:
    """Letters for the people who can be posted to, in the order given, and the ids of those
    who cannot (no postal code or address). A letter lists what is overdue `today`:
    installments not yet due are not part of a reminder."""
    people = {r["id"]: r for r in await conn.fetch(PEOPLE_SQL, tenant_id, person_ids)}
    dues: dict[UUID, list[Due]] = defaultdict(list)
    for r in await conn.fetch(DUES_SQL, tenant_id, person_ids, tax_types, today):
        dues[r["person_id"]].append(
            Due(
                r["id"],
                r["tax_type"],
                r["fiscal_year"],
                r["installment_no"],
                r["due_date"],
                r["owed"],
            )
        )
    letters: list[Letter] = []
    unaddressable: list[UUID] = []
    for person_id in person_ids:
        p = people[person_id]
        if not p["postal_code"] or not p["address"]:
            unaddressable.append(person_id)
            continue
        letters.append(
            Letter(
                person_id,
                p["resident_number"],
                p["name"],
                p["addressee"],
                p["postal_code"],
                p["address"],
                tuple(dues[person_id]),
            )
        )
    return letters, unaddressable
