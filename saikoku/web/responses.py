"""JSON in and out: bodies validated by pydantic models, answers that turn uuids and times
into text, and every error as {"error", "message"} that never echoes what was sent. Domain
errors carry their HTTP status and code (saikoku.core.errors); `error_middleware` maps them
here, once, for every route."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import structlog
from aiohttp import web
from pydantic import BaseModel, ValidationError

from saikoku.core.errors import BadRequest, NotFound, SaikokuError

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_ok(value: Any, status: int = 200) -> web.Response:
    return web.json_response(text=json.dumps(value, ensure_ascii=False, default=str), status=status)


def json_error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return json_ok({"error": code, "message": message, **extra}, status=status)


class InvalidBody(BadRequest):
    """A body that does not fit its model; `detail` names each wrong field."""

    def __init__(self, detail: list[dict[str, str]]) -> None:
        super().__init__("invalid request body")
        self.detail = detail


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except InvalidBody as exc:
        return json_error(exc.http_status, exc.code, str(exc), detail=exc.detail)
    except SaikokuError as exc:
        if exc.http_status < 500:
            return json_error(exc.http_status, exc.code, str(exc))
        log.warning(
            "request_failed",
            code=exc.code,
            method=request.method,
            path=request.path,
            error=str(exc),
        )
        return json_error(exc.http_status, exc.code, exc.public_message)


def path_uuid(request: web.Request, name: str) -> UUID:
    """The `{name}` part of the route as a UUID; anything else is a 404."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound("not found") from None


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as `model`, or a 400 naming the parameters that are wrong."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise InvalidBody(
            [
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in exc.errors(include_input=False)
            ]
        ) from None


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The request body as `model`, or a 400 naming the fields that are wrong."""
    try:
        raw = await request.json() if request.can_read_body else {}
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidBody(
            [
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in exc.errors(include_input=False)
            ]
        ) from None
    except ValueError:
        raise BadRequest("the body is not JSON") from None
