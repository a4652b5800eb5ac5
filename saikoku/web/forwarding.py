"""Requests through a TLS reverse proxy. When the peer is one of the trusted proxies
(`SAIKOKU_TRUSTED_PROXIES`), the request is seen as the client sent it: its address from
X-Forwarded-For, its scheme and host from X-Forwarded-Proto and X-Forwarded-Host. Every later
step — the access log, the login limits, the desktop socket's Origin check — reads the usual
`request.remote`, `scheme` and `host`. From any other peer those headers are ignored: a
client may write whatever it likes in them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web
from aiohttp.typedefs import Middleware

from saikoku.web.responses import Handler

Networks = Sequence[IPv4Network | IPv6Network]
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        found = ip_address(text)
    except ValueError:
        return None
    # An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: IPv4Address | IPv6Address | None, trusted: Networks) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Networks) -> str:
    """The right-most hop of X-Forwarded-For that is not one of our proxies (what a client
    writes itself stands left of what our proxies append). A hop that is no address ends the
    walk at the last good one; if every hop is ours, the left-most is where it began."""
    client = _address(peer)
    if not _trusted(client, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, trusted):
            break
    return str(client)


def _last(values: Sequence[str]) -> str:
    # The right-most value is the one our nearest proxy set.
    return ",".join(values).rsplit(",", 1)[-1].strip()


def middleware(trusted: Networks) -> Middleware:
    """The first middleware of the app: the request as its client sent it."""

    @web.middleware
    async def as_the_client_sent_it(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.remote
        if peer is None or not _trusted(_address(peer), trusted):
            return await handler(request)
        forwarded_for = request.headers.getall("X-Forwarded-For", [])
        scheme = _last(request.headers.getall("X-Forwarded-Proto", [])).lower()
        host = _last(request.headers.getall("X-Forwarded-Host", []))
        seen = request.clone(
            remote=client_address(peer, forwarded_for, trusted),
            scheme=scheme if scheme in ("http", "https") else request.scheme,
            host=host if _HOST.fullmatch(host) else request.host,
        )
        return await handler(seen)

    return as_the_client_sent_it
