"""The service: one aiohttp application whose cleanup contexts own every connection.

Start-up order is dependency order — database, AMI, ARI, then the call handlers that use
them — and shutdown runs in reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from ari_bridge.call_center import CallCenter
from ari_bridge.client import AriClient
from ari_bridge.stasis import StasisApp
from ari_bridge.stream import AriEventStream
from campaigns.policy import ContactPolicy, around_the_clock
from dialer.ami import AmiClient
from dialer.calls import CallPlacer
from dialer.engine import Dialer
from dialer.preview import PreviewDialer
from recordings.recorder import Recorder, RecordingPlaces
from saikoku.config.settings import Settings
from saikoku.core.errors import ConfigurationError, NotReadyError, PbxError
from saikoku.core.supervision import consume_queue, spawn_supervised
from saikoku.pbx.connect import ami_config, ari_stream_config
from saikoku.web import (
    audit_api,
    auth,
    campaign_api,
    forwarding,
    handoff_api,
    health,
    operator_api,
    pages,
    preview_api,
    recording_api,
)
from saikoku.web.desk_hub import DeskHub
from saikoku.web.keys import (
    AMI,
    ARI,
    ARI_EVENTS,
    CALL_CENTER,
    CONTACT_POLICY,
    DESK_HUB,
    LOGIN_THROTTLE,
    PASSWORDS,
    PLACER,
    POOL,
    PREVIEW,
    SETTINGS,
)
from saikoku.web.rate_limits import LoginThrottle, TokenBuckets
from saikoku.web.responses import error_middleware
from store import migrate
from store.db import create_pool
from store.passwords import PasswordChecker

log = structlog.get_logger(__name__)

# The largest body a request may send (answered 413 beyond): the biggest the API takes, an
# outcome with its 4,000-character conversation log, is a few KiB.
MAX_BODY_BYTES = 1024 * 1024


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await create_pool(
        settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
    )
    async with pool.acquire() as conn:
        pending = await migrate.pending_versions(conn)
    if pending:
        await pool.close()
        raise ConfigurationError(
            f"database schema is behind (missing {', '.join(pending)}): run `saikoku db upgrade`"
        )
    app[POOL] = pool
    yield
    await pool.close()


async def _ami(app: web.Application) -> AsyncIterator[None]:
    ami = AmiClient(ami_config(app[SETTINGS]))
    ami.start()
    app[AMI] = ami
    yield
    await ami.close()


async def _ari(app: web.Application) -> AsyncIterator[None]:
    s = app[SETTINGS]
    password = s.ari_password.get_secret_value()
    async with aiohttp.ClientSession() as session:
        app[ARI] = AriClient(
            session, s.ari_url, s.ari_user, password, timeout_s=s.ari_request_timeout_s
        )
        stream = AriEventStream(session, ari_stream_config(s))
        stream.start()
        app[ARI_EVENTS] = stream
        yield
        await stream.close()


async def _call_handling(app: web.Application) -> AsyncIterator[None]:
    pool, ami, ari_events, settings = app[POOL], app[AMI], app[ARI_EVENTS], app[SETTINGS]
    center = CallCenter(pool, app[ARI], settings.ari_app)
    center.recorder = Recorder(
        pool,
        app[ARI],
        RecordingPlaces(
            settings.recordings_spool_dir,
            settings.recordings_dir,
            timedelta(days=settings.recordings_retention_days),
        ),
    )
    placer = CallPlacer(pool, ami, floor=center.floor, stasis_app=settings.ari_app)
    stasis = StasisApp(pool, app[ARI], center)
    dialer = Dialer(
        pool,
        placer,
        center.floor,
        policy=app[CONTACT_POLICY],
        can_dial=lambda: ami.readiness.ready and ari_events.readiness.ready,
    )
    tasks: set[asyncio.Task[Any]] = set()
    spawn_supervised(
        tasks, "ami-events", lambda: consume_queue(ami.events, placer.handle_ami_event, "ami")
    )
    spawn_supervised(
        tasks, "ari-events", lambda: consume_queue(ari_events.events, stasis.handle, "ari")
    )
    spawn_supervised(tasks, "dialer", dialer.run)
    spawn_supervised(
        tasks, "wrap-up-limit", lambda: _enforce_wrap_up_limit(center, settings.wrap_up_limit_s)
    )
    hub = DeskHub(pool, center, session_idle=timedelta(minutes=settings.session_idle_minutes))
    spawn_supervised(
        tasks, "desk-sessions", lambda: _sweep_desk_sessions(hub, settings.desk_session_sweep_s)
    )
    ari_events.readiness.on_ready(
        lambda: spawn_supervised(tasks, "sweep-orphans", _sweep_orphans(center))
    )
    # Events sent while AMI was down are lost: settle what ended meanwhile on every reconnect.
    ami.readiness.on_ready(lambda: spawn_supervised(tasks, "reconcile", _reconcile(placer)))
    app[PLACER] = placer
    app[CALL_CENTER] = center
    app[PREVIEW] = PreviewDialer(pool, placer, center, policy=app[CONTACT_POLICY])
    app[DESK_HUB] = hub
    yield
    await app[PREVIEW].close()
    await hub.close()
    # Release every operator's line; a PBX already gone has released them itself.
    for operator in center.desk.all():
        with contextlib.suppress(PbxError, NotReadyError):
            await center.sign_out(operator.user_id, by=None)
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await stasis.close()


async def _enforce_wrap_up_limit(center: CallCenter, limit_s: float) -> None:
    while True:
        await asyncio.sleep(1.0)
        for attempt_id in await center.expire_wrap_ups(limit_s):
            log.warning("wrap_up_overrun", attempt_id=str(attempt_id))


async def _sweep_desk_sessions(hub: DeskHub, every_s: float) -> None:
    # Sessions also end outside this process (`saikoku users disable`) and by the clock.
    while True:
        await asyncio.sleep(every_s)
        await hub.sweep()


def _sweep_orphans(center: CallCenter) -> Any:
    async def run() -> None:
        released = await center.sweep_orphans()
        log.info("orphans_swept_after_connect", released=released)

    return run


def _reconcile(placer: CallPlacer) -> Any:
    async def run() -> None:
        closed = await placer.reconcile()
        log.info("reconciled_after_connect", closed=closed)

    return run


async def _close_password_checker(app: web.Application) -> None:
    app[PASSWORDS].close()


def create_app(
    settings: Settings, *, with_pbx: bool = True, contact_policy: ContactPolicy | None = None
) -> web.Application:
    """The whole service; `with_pbx=False` gives the database and web side alone (used by
    tests of the API, and by a console that only reads). `contact_policy` replaces the
    calling rules (windows, caps, spacing) — the rig's tests and the demo open the windows
    around the clock."""
    app = web.Application(
        middlewares=[
            forwarding.middleware(settings.trusted_proxies),
            pages.security_headers,
            error_middleware,
            auth.session_middleware,
        ],
        client_max_size=MAX_BODY_BYTES,
    )
    app[SETTINGS] = settings
    if contact_policy is None and settings.calling_hours == "always":
        log.warning("calling_windows_open_around_the_clock", setting="SAIKOKU_CALLING_HOURS")
        contact_policy = around_the_clock()
    app[CONTACT_POLICY] = contact_policy or ContactPolicy()
    app[PASSWORDS] = PasswordChecker(settings.login_hash_concurrency)
    app.on_cleanup.append(_close_password_checker)
    app[LOGIN_THROTTLE] = LoginThrottle(
        TokenBuckets(settings.login_limit_per_address, 60.0),
        TokenBuckets(settings.login_limit_per_account, 60.0),
    )
    app.cleanup_ctx.append(_database)
    if with_pbx:
        app.cleanup_ctx.extend([_ami, _ari, _call_handling])
        app.router.add_get("/healthz", health.health)
        operator_api.add_routes(app)
        preview_api.add_routes(app)
    app.router.add_post("/api/login", auth.login)
    app.router.add_post("/api/logout", auth.logout)
    app.router.add_get("/api/me", auth.me)
    campaign_api.add_routes(app)
    recording_api.add_routes(app)
    handoff_api.add_routes(app)
    audit_api.add_routes(app)
    pages.add_routes(app)
    return app
