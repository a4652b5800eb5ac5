"""JSON in and out: bodies read by one reader and validated by pydantic models, answers that
turn uuids and times into text, and every error as {"error", "message"} that never echoes what
was sent. Domain errors carry their HTTP status and code (saikoku.core.errors);
`error_middleware` maps them here, once, for every route, and with them a value the database
refused (the backstop behind the models' limits)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import structlog
from aiohttp import web
from pydantic import BaseModel, ValidationError

from saikoku.core.errors import BadRequest, NotFound, SaikokuError
from saikoku.core.inputs import problems

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


class UnsupportedMediaType(BadRequest):
    http_status = 415
    code = "unsupported_media_type"


class BodyTooLarge(BadRequest):
    http_status = 413
    code = "body_too_large"


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
    except asyncpg.DataError as exc:
        # PostgreSQL's data exceptions (a NUL, a number beyond its column, text it cannot
        # encode) are about a value that was sent; their text may quote it, so it stays here.
        log.warning(
            "request_value_refused",
            sqlstate=exc.sqlstate,
            kind=type(exc).__name__,
            method=request.method,
            path=request.path,
        )
        return json_error(
            400, "bad_value", "a value is out of range or holds characters that cannot be stored"
        )


def path_uuid(request: web.Request, name: str) -> UUID:
    """The `{name}` part of the route as a UUID; anything else is a 404."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound("not found") from None


JSON = "application/json"


def _not_a_number(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


async def read_json(request: web.Request) -> Any:
    """The body as JSON (no body: an empty object); 415 unless it is sent as JSON, 413 beyond
    the application's `client_max_size`, 400 for anything else that is not UTF-8 JSON."""
    if not request.can_read_body:
        return {}
    if request.content_type != JSON:
        raise UnsupportedMediaType(f"send the body as {JSON}")
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        raise BadRequest("send the body in UTF-8", code="unsupported_charset")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge("the body is too large") from None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_not_a_number)
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    except ValueError:  # also UnicodeDecodeError and a number of too many digits
        raise BadRequest("the body is not JSON") from None


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as `model`, or a 400 naming the parameters that are wrong."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise InvalidBody(problems(exc)) from None


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The request body as `model`, or a 400 naming the fields that are wrong."""
    raw = await read_json(request)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidBody(problems(exc)) from None
