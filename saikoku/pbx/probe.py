"""Wait until the PBX answers the service's own way: AMI login and the ARI events socket."""

from __future__ import annotations

import aiohttp

from ari_bridge.stream import AriEventStream
from dialer.ami import AmiClient
from saikoku.config.settings import Settings
from saikoku.core.errors import NotReadyError
from saikoku.pbx.connect import ami_config, ari_stream_config


async def wait_pbx_ready(settings: Settings, timeout_s: float) -> None:
    ami = AmiClient(ami_config(settings, backoff_cap_s=1.0))
    async with aiohttp.ClientSession() as session:
        stream = AriEventStream(
            session, ari_stream_config(settings, app=settings.ari_app + "-probe", backoff_cap_s=1.0)
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
