"""Ordered SQL migrations: each file runs once, inside its own transaction, recorded by checksum."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import asyncpg

from saikoku.core.errors import SaikokuError

# Any 64-bit constant: serialises concurrent upgrades from several processes.
_LOCK_KEY = 0x5A1C0C0_0001


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(SaikokuError):
    pass


def bundled_migrations() -> list[Migration]:
    folder = resources.files("store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            found.append(Migration(version, rest.removesuffix(".sql"), entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


async def upgrade(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations; return the versions applied now (empty when up to date)."""
    migrations = bundled_migrations() if migrations is None else migrations
    await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """
            create schema if not exists saikoku;
            create table if not exists saikoku.schema_migrations (
                version text primary key,
                name text not null,
                checksum text not null,
                applied_at timestamptz not null default now()
            )
            """
        )
        applied = {
            r["version"]: r["checksum"]
            for r in await conn.fetch("select version, checksum from saikoku.schema_migrations")
        }
        done = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version}_{migration.name} was changed after it "
                        "was applied; add a new migration instead of editing an applied one"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "insert into saikoku.schema_migrations (version, name, checksum)"
                    " values ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration.version)
        return done
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)


async def pending_versions(conn: asyncpg.Connection) -> list[str]:
    """Bundled migrations not yet applied to this database."""
    exists = await conn.fetchval("select to_regclass('saikoku.schema_migrations') is not null")
    applied = (
        {r["version"] for r in await conn.fetch("select version from saikoku.schema_migrations")}
        if exists
        else set()
    )
    return [m.version for m in bundled_migrations() if m.version not in applied]
