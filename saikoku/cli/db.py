"""`saikoku db`: create the database and apply the schema's migrations."""

from __future__ import annotations

import argparse
import asyncio

import asyncpg

from saikoku.cli.common import SubParsers
from saikoku.config.settings import Settings
from store import migrate
from store.db import ensure_database


def upgrade_command(settings: Settings, _args: argparse.Namespace) -> int:
    async def run() -> list[str]:
        conn = await asyncpg.connect(settings.migration_url)
        try:
            return await migrate.upgrade(conn)
        finally:
            await conn.close()

    applied = asyncio.run(run())
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


def ensure_command(settings: Settings, _args: argparse.Namespace) -> int:
    created = asyncio.run(ensure_database(settings.migration_url))
    print("database created" if created else "database exists")
    return 0


def add_commands(sub: SubParsers) -> None:
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(run=upgrade_command)
    db.add_parser("ensure", help="create the database if it is missing").set_defaults(
        run=ensure_command
    )
