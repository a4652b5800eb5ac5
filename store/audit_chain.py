"""Checks the access log's hash chain (migration 0011): rows numbered 1, 2, 3… with none
missing, each naming the hash of the one before, each hash matching the row's content. A row
edited, inserted or removed by someone who turned the append-only triggers off breaks it."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from saikoku.core.errors import BadRequest

CHAIN_SQL = """
select seq, prev_hash, row_hash, saikoku.audit_row_hash(prev_hash, a) as content_hash
  from saikoku.audit_log a order by seq
"""


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head_seq: int | None  # the last row: note it, and a later check proves it still holds
    head_hash: str | None
    broken_at: int | None  # the first seq that does not hold, None when all hold
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


@dataclass(frozen=True)
class Anchor:
    """A head noted earlier (`seq:hash`, as `saikoku audit verify` prints it): the chain must
    still hold that row with that hash, or it was rewritten since."""

    seq: int
    row_hash: bytes

    @classmethod
    def parse(cls, text: str) -> Anchor:
        seq, _, digest = text.partition(":")
        try:
            return cls(int(seq), bytes.fromhex(digest))
        except ValueError:
            raise BadRequest(f"not a chain head (SEQ:HEX): {text!r}") from None


async def verify_chain(conn: asyncpg.Connection, anchor: Anchor | None = None) -> ChainReport:
    rows, previous_hash = 0, None
    # One snapshot for the whole walk (a cursor needs a transaction anyway); inside the
    # caller's transaction, that one's.
    snapshot = (
        conn.transaction()
        if conn.is_in_transaction()
        else conn.transaction(isolation="repeatable_read", readonly=True)
    )
    async with snapshot:
        async for row in conn.cursor(CHAIN_SQL, prefetch=5000):
            rows += 1
            problem = None
            if row["seq"] != rows:
                problem = f"row {rows} is missing (the next is {row['seq']})"
            elif row["prev_hash"] != previous_hash:
                problem = "it does not follow the row before it"
            elif row["row_hash"] != row["content_hash"]:
                problem = "its content does not match its hash"
            elif (
                anchor is not None
                and row["seq"] == anchor.seq
                and row["row_hash"] != anchor.row_hash
            ):
                problem = "it is not the row noted earlier at this place: the chain was rewritten"
            if problem is not None:
                return ChainReport(rows, None, None, rows, problem)
            previous_hash = row["row_hash"]
    if anchor is not None and anchor.seq > rows:
        return ChainReport(
            rows, None, None, rows + 1, "the chain ends before the row noted earlier"
        )
    head = rows if rows else None
    return ChainReport(rows, head, previous_hash.hex() if previous_hash else None, None, None)
