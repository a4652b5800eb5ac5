"""Runtime settings, read from SAIKOKU_* environment variables and an optional .env file.

Secrets have no defaults: `deploy/setup.sh` writes a `.env` with random ones, and the PBX
configuration is rendered from these same settings (`saikoku pbx conf`), so the service and
Asterisk can never disagree on credentials.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from saikoku.core.errors import ConfigurationError

ENV_PREFIX = "SAIKOKU_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/saikoku",
        description="PostgreSQL DSN (postgresql://user@host:port/db)",
    )
    # Migrations (`saikoku db upgrade`, `db ensure`) run as the schema's owner; the service
    # connects as a role that owns nothing (saikoku_app, migration 0013). Unset: the same URL.
    database_owner_url: str | None = Field(
        default=None, description="PostgreSQL DSN of the schema's owner, for migrations"
    )
    db_pool_min: int = Field(default=2, ge=1, le=100)
    db_pool_max: int = Field(default=20, ge=1, le=500)

    ami_host: str = "127.0.0.1"
    ami_port: int = Field(default=5038, ge=1, le=65535)
    ami_user: str = "saikoku"
    ami_secret: SecretStr
    ami_action_timeout_s: float = Field(default=5.0, gt=0, le=120)

    ari_url: str = "http://127.0.0.1:8088"
    ari_user: str = "saikoku"
    ari_password: SecretStr
    ari_app: str = Field(default="saikoku", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    ari_request_timeout_s: float = Field(default=5.0, gt=0, le=120)

    # Where Asterisk sends calls to the public network: the carrier's SIP address.
    trunk_host: str = "127.0.0.1"
    trunk_port: int = Field(default=5070, ge=1, le=65535)
    # Asterisk's own SIP listener.
    sip_bind_host: str = "127.0.0.1"
    sip_bind_port: int = Field(default=5060, ge=1, le=65535)

    # Operators' desk phones: op001 … opNNN; each password is derived from this secret.
    operator_phone_secret: SecretStr
    operator_phone_count: int = Field(default=20, ge=1, le=999)
    # Desk phones at fixed addresses need no registration: e.g. "sip:{endpoint}@10.0.0.5:5060".
    # Unset, phones register with their endpoint name and password.
    operator_phone_contact: str | None = Field(default=None, pattern=r"^sips?:.*\{endpoint\}")

    # Who the center speaks for and the number to call: printed on reminder letters (催告書,
    # with the tenant's name as the division) and said in the courtesy message of an
    # abandoned call (from the kana: the speech synthesiser reads no kanji).
    office_name: str = Field(default="さいこく区役所", min_length=1, max_length=60)
    office_name_kana: str = Field(default="さいこくく やくしょ", pattern=r"^[ぁ-ゖァ-ヺー 　、]+$")
    call_center_phone: str = Field(default="03-0000-0000", pattern=r"^[0-9][0-9-]{5,15}$")
    call_center_hours: str = "平日 8:30〜17:15"

    # Where Asterisk writes recordings (its spool, as this machine sees it) and where the
    # service keeps them; how long they are kept.
    recordings_spool_dir: Path = Path(
        "/var/cache/saikoku/asterisk-sid/var/spool/asterisk/recording"
    )
    recordings_dir: Path = Path("/var/lib/saikoku/recordings")
    recordings_retention_days: int = Field(default=365, ge=1, le=3650)

    # After this long in wrap-up without saving the outcome an operator gets calls again and
    # the call is flagged for the supervisor.
    wrap_up_limit_s: float = Field(default=120.0, ge=10, le=3600)

    # "ward": the calling windows of campaigns/policy.py (weekdays 9–20, Saturdays 10–17).
    # "always": open around the clock — only for the rig and the demo, which must place calls
    # at any hour; the service logs a warning when it starts so.
    calling_hours: Literal["ward", "always"] = "ward"

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # The session cookie goes only over HTTPS; off only for plain HTTP on loopback (the rig,
    # the demo, the tests), which set it so themselves.
    web_cookie_secure: bool = True
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For, -Proto
    # and -Host are believed: the client's address, and the scheme and host it used.
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=72)
    # How often the service looks for operators' desktops whose session is over (idle, past
    # its age, the account disabled by another process), to close them and sign the desk out.
    desk_session_sweep_s: float = Field(default=5.0, ge=0.5, le=60)
    # After this many wrong passwords in a row the account is locked for a while.
    login_lock_after: int = Field(default=5, ge=1, le=100)
    login_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Failed logins allowed a minute from one client address and on one account (a success
    # gives its attempt back); beyond them a login is answered 429 with Retry-After.
    login_limit_per_address: int = Field(default=20, ge=1, le=10_000)
    login_limit_per_account: int = Field(default=10, ge=1, le=10_000)
    # Passwords checked at once, each in a worker thread (Argon2 is meant to be slow).
    login_hash_concurrency: int = Field(default=2, ge=1, le=64)

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("database_url", "database_owner_url")
    @classmethod
    def _postgres_dsn(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql://")
        return value

    @property
    def migration_url(self) -> str:
        return self.database_owner_url or self.database_url

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(ip_network(part.strip()) for part in value.split(",") if part.strip())
        return value

    @field_validator("ari_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("ami_secret", "ari_password", "operator_phone_secret")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 8:
            raise ValueError("must be at least 8 characters (deploy/setup.sh writes a random one)")
        return value

    @property
    def ari_ws_url(self) -> str:
        return "ws" + self.ari_url.removeprefix("http") + "/ari/events"


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a validation failure into one message naming each bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"{ENV_PREFIX}{field.upper()}: {error['msg']}")
        raise ConfigurationError(
            "invalid settings (set them in the environment or .env):\n  " + "\n  ".join(problems)
        ) from None
