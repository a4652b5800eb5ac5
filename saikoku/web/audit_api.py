"""The auditor's view of the access log: who read which person's data, when and why, for a
range of days, by login and by person. Reading it is access-logged too."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from saikoku.web.auth import actor_of, require_role, tenant_db
from saikoku.web.responses import json_ok, parse_query
from store.access_reads import ReadsFilter, reads

AUDITORS = ("auditor", "admin")
# Rows one page shows; `saikoku audit export` writes any number.
PAGE_ROWS = 2000


class ReadsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")
    login: str | None = Field(default=None, max_length=64)
    person: UUID | None = None

    def filter(self) -> ReadsFilter:
        return ReadsFilter.for_days(self.first_day, self.last_day, self.login, self.person)


@require_role(*AUDITORS)
async def access_reads(request: web.Request) -> web.Response:
    query = parse_query(request, ReadsQuery)
    async with tenant_db(request) as conn:
        rows = await reads(conn, actor_of(request), query.filter(), how="page", limit=PAGE_ROWS + 1)
    return json_ok({"rows": rows[:PAGE_ROWS], "truncated": len(rows) > PAGE_ROWS})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/audit/reads", access_reads)
