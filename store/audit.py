"""Writes to the append-only access log (audit_log). Ids and action names only: the log
outlives erased data, so it must never hold personal data itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from store.db import Executor


@dataclass(frozen=True)
class Actor:
    """Who did something: a logged-in user, or the system (user_id None)."""

    tenant_id: UUID
    user_id: UUID | None
    login: str | None
    client_addr: str | None = None


async def record(
    conn: Executor,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    person_id: UUID | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "insert into audit_log (user_id, user_login, tenant_id, action, object_type, object_id,"
        " person_id, reason, client_addr, detail)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9::inet, $10::jsonb)",
        actor.user_id,
        actor.login,
        actor.tenant_id,
        action,
        object_type,
        None if object_id is None else str(object_id),
        person_id,
        reason,
        actor.client_addr,
        json.dumps(detail or {}),
    )
