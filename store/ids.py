"""Ids made in SQL for rows written in bulk (a first import, a plan's targets), cheaper than
saikoku.uuid_v7() a row and rising with the row number given."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

# UUID version 7 (as saikoku.uuid_v7() makes them, migration 0004): 48 bits of milliseconds
# (when the table's rows were made), the version, 12 bits, the variant, 62 bits. Here the
# record number takes the first 30 of those 74 bits (RFC 9562's "fixed-length dedicated
# counter", method 1), and the other 44 are a hash of it under a random 63-bit key of the
# table's own: they look random, and differ between imports made in the same millisecond.
_ID = """encode(
    substring(int8send({ms}::bigint) from 3)
    || int2send((28672 | ({rec} >> 18))::smallint)
    || int4send(((2147483648 | (({rec} & 262143) << 12)
                 | (hashint8extended({rec}, {key}::bigint) & 4095)) - 4294967296)::int)
    || int4send((((hashint8extended({rec}, {key}::bigint) >> 12) & 4294967295)
                 - 2147483648)::int), 'hex')::uuid"""


@dataclass(frozen=True)
class IdKey:
    """What makes the ids of one table's new rows: the time and the random key."""

    ms: int
    key: int

    @classmethod
    def new(cls) -> IdKey:
        return cls(time.time_ns() // 1_000_000, secrets.randbits(63))

    def sql(self, rec: str) -> str:
        """SQL: the id of the row whose record number is `rec` (SQL)."""
        return _ID.format(ms=self.ms, key=self.key, rec=rec)
