"""The exception hierarchy. Each message says what to do next."""


class SaikokuError(Exception):
    """Base of every error Saikoku raises on purpose."""


class ConfigurationError(SaikokuError):
    """A setting is missing or invalid; the message names it."""


class NotReadyError(SaikokuError):
    """A connection (AMI, ARI, database) is not up; retry once readiness says ready."""


class PbxError(SaikokuError):
    """Asterisk refused or failed an action."""


class AriError(PbxError):
    """An ARI REST call failed; carries the HTTP status."""

    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        super().__init__(f"ARI {method} {path} answered {status}: {detail}")
        self.method = method
        self.path = path
        self.status = status
