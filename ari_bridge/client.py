"""ARI REST calls, each with an explicit deadline."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp

from saikoku.core.errors import AriError, NotReadyError


def basic_auth_header(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


class AriClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        user: str,
        password: str,
        *,
        timeout_s: float = 5.0,
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/") + "/ari"
        self._auth_header = basic_auth_header(user, password)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        """One REST call. `missing_ok` turns 404 into None (a hangup of a gone channel is fine)."""
        try:
            async with self._session.request(
                method,
                self._base + path,
                params=params,
                json=json,
                headers=self._auth_header,
                timeout=self._timeout,
            ) as response:
                if response.status == 404 and missing_ok:
                    return None
                if response.status >= 400:
                    raise AriError(method, path, response.status, await response.text())
                if response.content_type == "application/json":
                    return await response.json()
                return None
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise NotReadyError(f"ARI {method} {path}: {str(exc) or type(exc).__name__}") from exc

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self.request(
            "DELETE", f"/channels/{channel_id}", params={"reason": reason}, missing_ok=True
        )

    async def endpoint_state(self, technology: str, resource: str) -> str:
        """online / offline / unknown, as Asterisk's qualify last saw the endpoint."""
        endpoint = await self.request("GET", f"/endpoints/{technology}/{resource}")
        return str(endpoint["state"])

    async def create_bridge(self, bridge_id: str, name: str, kind: str = "mixing") -> None:
        """Create (or reuse) a bridge; `name` marks whose it is (our Stasis app's name)."""
        await self.request("POST", f"/bridges/{bridge_id}", params={"type": kind, "name": name})

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self.request("DELETE", f"/bridges/{bridge_id}", missing_ok=True)

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        await self.request(
            "POST", f"/bridges/{bridge_id}/addChannel", params={"channel": channel_id}
        )

    async def originate_to_app(
        self,
        channel_id: str,
        endpoint: str,
        app: str,
        app_args: str,
        *,
        timeout_s: int = 30,
        caller_id: str | None = None,
    ) -> None:
        """Call `endpoint`; once answered the channel enters Stasis `app` with `app_args`."""
        params = {
            "endpoint": endpoint,
            "app": app,
            "appArgs": app_args,
            "channelId": channel_id,
            "timeout": str(timeout_s),
        }
        if caller_id:
            params["callerId"] = caller_id
        await self.request("POST", "/channels", params=params)

    async def continue_in_dialplan(self, channel_id: str, context: str) -> None:
        """Hand the channel back to the dialplan at `context`,s,1 (it leaves Stasis)."""
        await self.request(
            "POST",
            f"/channels/{channel_id}/continue",
            params={"context": context, "extension": "s", "priority": "1"},
            missing_ok=True,
        )

    async def channels(self) -> list[dict[str, Any]]:
        return list(await self.request("GET", "/channels"))

    async def bridges(self) -> list[dict[str, Any]]:
        return list(await self.request("GET", "/bridges"))
