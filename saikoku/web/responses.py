"""JSON in and out: bodies validated by pydantic models, answers that turn uuids and times
into text, errors as {"error", "message"} that never echo what was sent."""

from __future__ import annotations

import json
from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def json_ok(value: Any, status: int = 200) -> web.Response:
    return web.json_response(
        text=json.dumps(value, ensure_ascii=False, default=str), status=status
    )


def json_error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return json_ok({"error": code, "message": message, **extra}, status=status)


def path_uuid(request: web.Request, name: str) -> UUID:
    """The `{name}` part of the route as a UUID; anything else is a 404."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound() from None


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The request body as `model`, or a 400 naming the fields that are wrong."""
    try:
        raw = await request.json() if request.can_read_body else {}
        return model.model_validate(raw)
    except ValidationError as exc:
        detail = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                  for e in exc.errors(include_input=False)]
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "bad_request", "message": "invalid request body",
                             "detail": detail}, ensure_ascii=False),
            content_type="application/json",
        ) from None
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"error": "bad_request", "message": "the body is not JSON"}',
            content_type="application/json",
        ) from None
