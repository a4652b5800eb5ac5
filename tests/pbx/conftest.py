"""PBX tier: real Asterisk 22 (deploy/asterisk.sh) and sipp phones on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from campaigns.policy import around_the_clock
from saikoku.config.settings import Settings
from saikoku.devtools.rig import SippPhone, deploy
from saikoku.web.access_log import app_runner
from saikoku.web.app import create_app
from saikoku.web.keys import AMI, ARI, ARI_EVENTS

BASE_URL = web.AppKey("test_base_url", str)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/pbx/" in str(item.fspath):
            item.add_marker(pytest.mark.pbx)


@pytest.fixture(scope="session")
def asterisk() -> Iterator[None]:
    """Asterisk up for the session; stopped afterwards only if this session started it."""
    was_running = deploy("asterisk.sh", "status").returncode == 0
    started = deploy("asterisk.sh", "start", "90")
    assert started.returncode == 0, f"deploy/asterisk.sh start failed:\n{started.stderr}"
    yield
    if not was_running:
        deploy("asterisk.sh", "stop")


@pytest.fixture(scope="session")
def debtors(settings: Settings, asterisk: None) -> Iterator[SippPhone]:
    """The carrier with its population of debtors (tests/sipp/debtor_uas.xml)."""
    phone = SippPhone("debtors", "debtor_uas.xml", settings.trunk_port, 32000, 5090)
    phone.start()
    yield phone
    phone.stop()


@pytest.fixture(scope="session")
def operator_phones(asterisk: None) -> Iterator[SippPhone]:
    """Every operator desk phone (op001…): one auto-answering sipp on the rig's fixed contact
    (deploy/asterisk.sh renders the endpoints with sip:<endpoint>@127.0.0.1:5072)."""
    phone = SippPhone("operators", "operator_phone_uas.xml", 5072, 32010, 5092)
    phone.start()
    yield phone
    phone.stop()


@pytest.fixture(scope="session")
async def service(
    settings: Settings, migrated_database: str, debtors: SippPhone
) -> AsyncIterator[web.Application]:
    """The service itself, with its real cleanup contexts, connected to the rig and serving
    HTTP on a free port (its base URL is `app[BASE_URL]`)."""
    # One attempt per person: a campaign ends after its first pass, whatever the outcome.
    app = create_app(settings, contact_policy=around_the_clock(max_attempts_total=1))
    port = free_tcp_port()
    app[BASE_URL] = f"http://127.0.0.1:{port}"
    runner = app_runner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await app[AMI].readiness.wait_ready(30)
    await app[ARI_EVENTS].readiness.wait_ready(30)
    await wait_trunk(app, "online")
    yield app
    await runner.cleanup()


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_trunk(app: web.Application, state: str, timeout_s: float = 10.0) -> None:
    await wait_endpoint(app, "trunk", state, timeout_s)


# The longest qualify_timeout in asterisk-conf/pjsip.conf (the trunk's).
QUALIFY_TIMEOUT_S = 5.0


async def wait_endpoint(
    app: web.Application, endpoint: str, state: str, timeout_s: float = 10.0
) -> None:
    """Ask Asterisk to qualify a PJSIP endpoint now and wait until it reports `state` and
    keeps it. A qualify sent before the change (an OPTIONS to a trunk that was down) can
    still time out up to QUALIFY_TIMEOUT_S later and turn the endpoint back, so a state
    reached after such asking must last that long."""
    async with asyncio.timeout(timeout_s + QUALIFY_TIMEOUT_S):
        asked_before = False
        while True:
            await app[AMI].action({"Action": "PJSIPQualify", "Endpoint": endpoint})
            await asyncio.sleep(0.3)
            if await app[ARI].endpoint_state("PJSIP", endpoint) == state:
                if not asked_before:
                    return
                await asyncio.sleep(QUALIFY_TIMEOUT_S)
                if await app[ARI].endpoint_state("PJSIP", endpoint) == state:
                    return
            asked_before = True
