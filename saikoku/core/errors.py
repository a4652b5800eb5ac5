"""The exception hierarchy. Each message says what to do next.

Every error also carries its HTTP answer: a status and a stable code that clients may test.
The web layer maps them in one middleware. A 4xx message is written for the person who
asked and is sent as it is; a 5xx message may name internals, so it is logged and the
browser gets the class's `public_message` instead."""

from __future__ import annotations


class SaikokuError(Exception):
    """Base of every error Saikoku raises on purpose."""

    http_status = 500
    code = "internal_error"
    public_message = "処理できませんでした。しばらくしてから再度お試しください。"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigurationError(SaikokuError):
    """A setting is missing or invalid; the message names it."""

    code = "configuration"


class BadRequest(SaikokuError):
    """What was sent cannot be used; the message says which part."""

    http_status = 400
    code = "bad_request"


class Forbidden(SaikokuError):
    """The caller may not do or see this."""

    http_status = 403
    code = "forbidden"


class NotFound(SaikokuError):
    """Nothing of that id in the caller's tenant."""

    http_status = 404
    code = "not_found"


class Conflict(SaikokuError):
    """The request is well formed but the thing it names is not in a state that allows it."""

    http_status = 409
    code = "conflict"


class NotReadyError(SaikokuError):
    """A connection (AMI, ARI, database) is not up; retry once readiness says ready."""

    http_status = 503
    code = "pbx_unavailable"
    public_message = "電話交換機に接続できません。しばらくしてから再度お試しください。"


class PbxError(SaikokuError):
    """Asterisk refused or failed an action."""

    http_status = 503
    code = "pbx_unavailable"
    public_message = "電話交換機が操作に応じませんでした。"


class AriError(PbxError):
    """An ARI REST call failed; carries the HTTP status ARI answered."""

    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        super().__init__(f"ARI {method} {path} answered {status}: {detail}")
        self.method = method
        self.path = path
        self.status = status  # ARI's answer; http_status is ours
