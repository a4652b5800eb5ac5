import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from dialer.ami import AmiClient, AmiConfig
from dialer.ami_messages import OriginateOutcome, OriginateRequest, UnsafeAmiHeader
from saikoku.core.supervision import State
from tests.unit.fake_ami import FakeAmi, finish_originate, queue_originate, send_event


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = FakeAmi()
    await server.start()
    yield server
    await server.stop()


def client_for(fake: FakeAmi, **overrides: float | str) -> AmiClient:
    config = dict(
        host="127.0.0.1",
        port=fake.port,
        username="saikoku",
        secret=fake.secret,
        action_timeout_s=1.0,
        connect_timeout_s=1.0,
        heartbeat_interval_s=0.2,
        backoff_base_s=0.05,
        backoff_cap_s=0.2,
        originate_margin_s=0.5,
    )
    config.update(overrides)
    return AmiClient(AmiConfig(**config))  # type: ignore[arg-type]


def request(ring_timeout_s: float = 1.0) -> OriginateRequest:
    return OriginateRequest(
        attempt_id=uuid.uuid4(),
        channel="PJSIP/0312345678@trunk",
        context="saikoku-outbound",
        ring_timeout_s=ring_timeout_s,
    )


async def test_ready_after_login_and_fully_booted(fake: FakeAmi) -> None:
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    login = fake.received[0]
    assert login["action"] == "Login"
    assert login["events"] == "call,system"
    await ami.close()
    assert ami.readiness.state is State.STOPPED


async def test_refused_login_stays_down_and_retries_with_backoff(fake: FakeAmi) -> None:
    ami = client_for(fake, secret="wrong-secret")
    ami.start()
    await asyncio.sleep(0.8)
    assert not ami.readiness.ready
    assert "login refused" in (ami.readiness.last_error or "")
    assert fake.logins >= 2
    assert ami.readiness.reconnects >= 2
    await ami.close()


async def test_concurrent_originates_are_matched_by_action_id(fake: FakeAmi) -> None:
    pending: list[tuple[dict[str, str], asyncio.StreamWriter]] = []

    def hold(action: dict[str, str], writer: asyncio.StreamWriter) -> None:
        queue_originate(action, writer)
        pending.append((action, writer))

    fake.on_originate = hold
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    first, second = request(), request()
    calls = [asyncio.create_task(ami.originate(r)) for r in (first, second)]
    while len(pending) < 2:
        await asyncio.sleep(0.01)
    # Answer in reverse order: the second is busy, the first answered.
    by_id = {a["actionid"]: (a, w) for a, w in pending}
    finish_originate(*by_id[str(second.attempt_id)], response="Failure", reason="5")
    finish_originate(*by_id[str(first.attempt_id)], response="Success", reason="4")
    one, two = await asyncio.gather(*calls)
    assert (one.attempt_id, one.outcome) == (first.attempt_id, OriginateOutcome.ANSWERED)
    assert (two.attempt_id, two.outcome) == (second.attempt_id, OriginateOutcome.BUSY)
    await ami.close()


async def test_missing_originate_response_turns_unknown_at_the_deadline(fake: FakeAmi) -> None:
    fake.on_originate = queue_originate  # queued, then silence
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await ami.originate(request(ring_timeout_s=0.3))
    assert result.outcome is OriginateOutcome.UNKNOWN
    assert 0.7 <= loop.time() - started < 2.0  # ring 0.3 s + margin 0.5 s
    await ami.close()


@pytest.mark.parametrize(
    "answer", [queue_originate, lambda action, writer: None], ids=["queued", "unanswered"]
)
async def test_originate_in_flight_at_disconnect_is_unknown_and_never_resent(
    fake: FakeAmi, answer: Callable[[dict[str, str], asyncio.StreamWriter], None]
) -> None:
    # "unanswered" is the dangerous case: panoramisk parks actions with no reply and re-sends
    # them after the next login, which would ring the person a second time.
    fake.on_originate = answer
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    call = asyncio.create_task(ami.originate(request(ring_timeout_s=30)))
    while not fake.originates():
        await asyncio.sleep(0.01)
    fake.drop_connections()
    result = await asyncio.wait_for(call, 2)
    assert result.outcome is OriginateOutcome.UNKNOWN
    await ami.readiness.wait_ready(3)  # reconnected
    await asyncio.sleep(0.3)  # panoramisk would re-send parked actions on FullyBooted
    assert len(fake.originates()) == 1
    await ami.close()


async def test_originate_while_down_is_rejected_without_sending(fake: FakeAmi) -> None:
    ami = client_for(fake)
    result = await ami.originate(request())
    assert result.outcome is OriginateOutcome.REJECTED
    assert fake.originates() == []


async def test_silent_server_fails_heartbeat_and_reconnects(fake: FakeAmi) -> None:
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    fake.answer_pings = False
    # The down spell can be shorter than any polling interval: watch the counter instead.
    async with asyncio.timeout(3):
        while ami.readiness.reconnects == 0:
            await asyncio.sleep(0.02)
    assert ami.readiness.last_error == "heartbeat unanswered"
    fake.answer_pings = True
    await ami.readiness.wait_ready(3)
    assert fake.logins >= 2
    await ami.close()


async def test_events_are_queued_not_handled_inline(fake: FakeAmi) -> None:
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    send_event(fake.writers[-1], Event="Hangup", Uniqueid="abc", Cause="17")
    async with asyncio.timeout(2):
        while True:
            event = await ami.events.get()
            if event.name == "hangup":
                break
    assert event.get("cause") == "17"
    await ami.close()


async def test_live_channel_ids_reads_the_channel_list(fake: FakeAmi) -> None:
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    assert await ami.live_channel_ids() == {"live-1"}
    await ami.close()


async def test_originate_response_also_reaches_the_event_queue_in_wire_order(
    fake: FakeAmi,
) -> None:
    def busy(action: dict[str, str], writer: asyncio.StreamWriter) -> None:
        queue_originate(action, writer)
        send_event(writer, Event="Hangup", Uniqueid=action["channelid"], Cause="17")
        finish_originate(action, writer, response="Failure", reason="0")

    fake.on_originate = busy
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    req = request()
    result = await ami.originate(req)
    assert result.outcome is OriginateOutcome.FAILED
    names = []
    while not ami.events.empty():
        event = ami.events.get_nowait()
        if event.get("uniqueid") == str(req.attempt_id):
            names.append(event.name)
    assert names == ["hangup", "originateresponse"]
    await ami.close()


async def test_unsafe_headers_are_refused_before_anything_is_written(fake: FakeAmi) -> None:
    ami = client_for(fake)
    ami.start()
    await ami.readiness.wait_ready(2)
    with pytest.raises(UnsafeAmiHeader, match="'Channel'"):
        await ami.action({"Action": "Hangup", "Channel": "x\r\nAction: Command\r\nCommand: x"})
    injected = [
        dataclasses.replace(request(), channel="PJSIP/1@trunk\r\nAction: Command"),
        dataclasses.replace(request(), caller_id="0312345678\r\nAction: Command"),
        dataclasses.replace(request(), variables={"SAIKOKU_AMD": "on\nAction: Command"}),
        dataclasses.replace(request(), context="saikoku-outbound\x00"),
    ]
    for bad in injected:
        result = await ami.originate(bad)
        assert result.outcome is OriginateOutcome.REJECTED
        assert result.detail is not None and "CR, LF or NUL" in result.detail
    await ami.live_channel_ids()  # the connection is still in step
    sent = [a["action"] for a in fake.received if a["action"] != "Ping"]
    assert sent == ["Login", "CoreShowChannels"]
    assert ami.readiness.ready
    await ami.close()


def test_a_login_that_would_not_frame_is_refused_at_configuration() -> None:
    with pytest.raises(UnsafeAmiHeader, match="'Secret'"):
        AmiConfig(host="127.0.0.1", port=5038, username="saikoku", secret="s3cret\r\nX: y")
