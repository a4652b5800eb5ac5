"""Wait until the PBX answers the service's own way: AMI login and the ARI events socket."""

from __future__ import annotations

import aiohttp

from ari_bridge.stream import AriEventStream, AriStreamConfig
from dialer.ami import AmiClient, AmiConfig
from saikoku.errors import NotReadyError
from saikoku.settings import Settings


async def wait_pbx_ready(settings: Settings, timeout_s: float) -> None:
    ami = AmiClient(
        AmiConfig(
            host=settings.ami_host, port=settings.ami_port, username=settings.ami_user,
            secret=settings.ami_secret.get_secret_value(), backoff_cap_s=1.0,
        )
    )
    password = settings.ari_password.get_secret_value()
    async with aiohttp.ClientSession() as session:
        stream = AriEventStream(
            session,
            AriStreamConfig(ws_url=settings.ari_ws_url, app=settings.ari_app + "-probe",
                            user=settings.ari_user, password=password, backoff_cap_s=1.0),
        )
        ami.start()
        stream.start()
        try:
            await ami.readiness.wait_ready(timeout_s)
            await stream.readiness.wait_ready(timeout_s)
        except TimeoutError:
            raise NotReadyError(
                f"PBX not ready after {timeout_s:.0f} s: AMI {ami.readiness.state} "
                f"({ami.readiness.last_error}), ARI {stream.readiness.state} "
                f"({stream.readiness.last_error})"
            ) from None
        finally:
            await stream.close()
            await ami.close()
