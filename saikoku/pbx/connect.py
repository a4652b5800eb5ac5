"""How the service reaches the PBX: the AMI and ARI connection settings, from its Settings."""

from __future__ import annotations

from ari_bridge.stream import AriStreamConfig
from dialer.ami import AmiConfig
from saikoku.config.settings import Settings

# Until it is up, the service retries every 15 s at most; a probe waiting for it, every 1 s.
SERVICE_BACKOFF_CAP_S = 15.0


def ami_config(s: Settings, *, backoff_cap_s: float = SERVICE_BACKOFF_CAP_S) -> AmiConfig:
    return AmiConfig(
        host=s.ami_host,
        port=s.ami_port,
        username=s.ami_user,
        secret=s.ami_secret.get_secret_value(),
        action_timeout_s=s.ami_action_timeout_s,
        backoff_cap_s=backoff_cap_s,
    )


def ari_stream_config(
    s: Settings, *, app: str | None = None, backoff_cap_s: float = SERVICE_BACKOFF_CAP_S
) -> AriStreamConfig:
    """The ARI events socket of the service's Stasis app (or of `app`, e.g. a probe's)."""
    return AriStreamConfig(
        ws_url=s.ari_ws_url,
        app=app or s.ari_app,
        user=s.ari_user,
        password=s.ari_password.get_secret_value(),
        backoff_cap_s=backoff_cap_s,
    )
