"""Pacing decisions on hand-made floors: each policy, the governor, the knobs."""

from __future__ import annotations

import pytest

from dialer.pacing.basic import FixedRatio, Preview, Progressive
from dialer.pacing.events import CallAbandoned, CallPlaced, LiveAnswered, WrapEnded
from dialer.pacing.governor import Governor
from dialer.pacing.measures import AbandonRate, Histogram
from dialer.pacing.pi import PiController
from dialer.pacing.policies import pacer_for, pacer_named
from dialer.pacing.predictive import Predictive
from dialer.pacing.settings import pacing_settings
from dialer.pacing.snapshot import PacingSnapshot
from dialer.pacing.vicidial import VicidialAdaptAverage
from saikoku.core.errors import ConfigurationError


def floor(**values: object) -> PacingSnapshot:
    return PacingSnapshot(**{"now": 100.0, "ready": 0, **values})  # type: ignore[arg-type]


def test_progressive_one_line_per_ready_operator_less_calls_out() -> None:
    pacer = Progressive()
    assert pacer.calls_to_place(floor(ready=5)) == 5
    assert pacer.calls_to_place(floor(ready=5, ringing_s=(3.0, 4.0))) == 3
    assert pacer.calls_to_place(floor(ready=1, ringing_s=(3.0,), waiting=1)) == 0


def test_limits_cap_every_policy() -> None:
    snapshot = floor(ready=10, cps_headroom=2)
    for pacer in (Progressive(), FixedRatio(2.0), Predictive()):
        assert pacer.calls_to_place(snapshot) == 2
    assert Progressive().calls_to_place(floor(ready=10, channel_headroom=0)) == 0
    assert Preview().calls_to_place(floor(ready=10)) == 0


def test_fixed_ratio_dials_per_ready_operator() -> None:
    assert FixedRatio(1.5).calls_to_place(floor(ready=4, ringing_s=(1.0,))) == 5
    assert FixedRatio(2.5).calls_to_place(floor(ready=0, talking_s=(10.0,))) == 0


def test_vicidial_level_rises_with_idle_operators_and_falls_with_drops() -> None:
    pacer = VicidialAdaptAverage(drop_target_pct=3.0)
    idle = floor(ready=5, talking_s=(30.0,) * 5)
    for t in range(0, 31):
        pacer.calls_to_place(PacingSnapshot(now=float(t), ready=5, talking_s=idle.talking_s))
    assert pacer.level > 1.0
    raised = pacer.level
    for t in range(31, 40):
        pacer.observe(LiveAnswered(float(t), 9.0))
    pacer.observe(CallAbandoned(40.0))
    for t in range(41, 62):
        pacer.calls_to_place(PacingSnapshot(now=float(t), ready=0, waiting=1))
    assert pacer.level < raised


def test_pi_backs_off_to_progressive_at_the_cap() -> None:
    pacer = PiController()
    assert pacer.calls_to_place(floor(ready=4)) == 12  # no abandons yet: full ratio 3
    for t in range(30):
        pacer.observe(LiveAnswered(float(t), 8.0))
    pacer.observe(CallAbandoned(31.0))
    assert pacer.calls_to_place(floor(ready=4)) == 4  # 1/30 > 3 %: progressive


def test_governor_budget_from_the_rolling_rate() -> None:
    governor = Governor(target_pct=2.5, cap_pct=3.0)
    steady = 1.36 * 0.025
    rate = AbandonRate()
    assert governor.budget(rate, 0.0) == pytest.approx(steady)  # nothing measured yet
    rate.abandoned(1.0)
    assert governor.budget(rate, 1.0) is None  # an abandon before enough answers to judge
    yesterday = [-86_000 + t * 28.0 for t in range(1000)]
    rate = AbandonRate()
    for t in yesterday:
        rate.live(t)
    for t in yesterday[:27]:
        rate.abandoned(t)
    assert governor.budget(rate, 0.0) == pytest.approx(steady)  # 2.7 %: the throttle starts here
    rate.abandoned(0.0)
    rate.abandoned(0.0)
    smaller = governor.budget(rate, 0.0)  # 2.9 %: smoothly less, still predictive
    assert smaller is not None and 0.15 * steady < smaller < steady
    rate.abandoned(0.0)
    assert governor.budget(rate, 0.0) is None  # 3 %: the cap, progressive


def test_an_excess_today_is_spread_over_what_is_left_of_the_window() -> None:
    governor = Governor(target_pct=2.5, cap_pct=3.0)
    rate = AbandonRate()
    for t in range(1000):  # yesterday: 1,000 answers, none abandoned
        rate.live(2000 + t * 28.0)
    today = 24 * 3600.0
    for t in range(100):
        rate.live(today + t * 10.0)
    now = today + 1000.0
    for _ in range(4):
        rate.abandoned(now)
    assert rate.counts(now) == (4, 1100)  # 0.4 % over 24 h…
    assert rate.session_counts(now) == (4, 100) and rate.session_age(now) == 1000.0
    # …but 4 % today. With seven hours to go it is made up for slowly, still predictive;
    spread = governor.budget(rate, now, closes_in_s=7 * 3600)
    assert spread is not None and 0.025 < spread < 1.36 * 0.025
    # with an hour to go, harder; with ten minutes, nothing can make it up but progressive.
    hour = governor.budget(rate, now, closes_in_s=3600)
    assert hour is not None and hour < spread
    assert governor.budget(rate, now, closes_in_s=600) is None
    assert rate.session_counts(now + 7 * 3600) == (0, 0)  # a new session
    assert rate.session_age(now + 7 * 3600) == 0.0


def test_predictive_dials_ahead_for_operators_finishing_wrap_up() -> None:
    pacer = Predictive()
    busy = floor(ready=0, talking_s=(20.0,) * 10)
    finishing = floor(ready=0, wrapping_s=(50.0,) * 10)
    assert pacer.calls_to_place(busy) == 0
    assert pacer.calls_to_place(finishing) > 0


def test_predictive_never_below_progressive_and_stops_at_the_cap() -> None:
    pacer = Predictive()
    assert pacer.calls_to_place(floor(ready=6)) >= 6
    for t in range(100):
        pacer.observe(LiveAnswered(float(t), 8.0))
    for _ in range(3):
        pacer.observe(CallAbandoned(99.0))
    assert pacer.calls_to_place(floor(ready=6, ringing_s=(2.0,))) == 5


def test_predictive_counts_calls_already_ringing() -> None:
    pacer = Predictive()
    quiet = pacer.calls_to_place(floor(ready=2, talking_s=(60.0,) * 18))
    crowded = pacer.calls_to_place(floor(ready=2, talking_s=(60.0,) * 18, ringing_s=(1.0,) * 8))
    assert crowded < quiet


def test_predictive_learns_from_events() -> None:
    pacer = Predictive()
    before = pacer.stats.wrap.version
    pacer.observe(WrapEnded(10.0, 44.0))
    pacer.observe(CallPlaced(10.0))
    assert pacer.stats.wrap.version == before + 1
    assert pacer.stats.dial_rate(10.0) == pytest.approx(1 / 60)


def test_histogram_window_forgets_old_samples() -> None:
    histogram = Histogram(max_s=10, window=2, prior=[1.0, 1.0])
    histogram.add(5.0)
    histogram.add(5.0)
    assert histogram.cdf()[4] == 0.0
    assert histogram.cdf()[5] == 1.0


def test_settings_errors_name_the_knob() -> None:
    with pytest.raises(ConfigurationError, match=r"ring_timeout_s: .*at least 15 s"):
        pacing_settings(ring_timeout_s=10)
    with pytest.raises(ConfigurationError, match="must not exceed hard_cap_pct"):
        pacing_settings(target_abandon_pct=2.9, hard_cap_pct=2.5)
    with pytest.raises(ConfigurationError, match="hard_cap_pct"):
        pacing_settings(hard_cap_pct=5)
    with pytest.raises(ConfigurationError, match="dial_template"):
        pacing_settings(dial_template="PJSIP/trunk")
    with pytest.raises(ConfigurationError, match="caller_id"):
        pacing_settings(caller_id="03-1234-5678")
    with pytest.raises(ConfigurationError, match=r"amd\.maximum_words"):
        pacing_settings(amd={"maximum_words": 0})
    assert pacing_settings(mode="progressive", caller_id="0312345678").ring_timeout_s >= 15


def test_policies_by_name() -> None:
    assert isinstance(pacer_named("fixed:2"), FixedRatio)
    assert isinstance(pacer_for(pacing_settings(mode="preview")), Preview)
    with pytest.raises(ConfigurationError, match="ratio"):
        pacer_named("fixed:9")
    with pytest.raises(ConfigurationError, match="unknown pacing policy"):
        pacer_named("aggressive")


@pytest.mark.parametrize(
    "template",
    [
        "PJSIP/{number}@trunk\r\nAction: Command\r\nCommand: core stop now",
        "PJSIP/{number}@trunk\n",
        "PJSIP/{number}@trunk\x00",
        "PJSIP/{number}@other-carrier",
        "Local/{number}@saikoku-outbound",
        "PJSIP/{number}@trunk/sip:evil@example.com",
        "PJSIP/12a{number}@trunk",
        "PJSIP/{number}@trunk&PJSIP/0999@trunk",
    ],
)
def test_dial_template_is_only_a_pjsip_dial_string_to_the_trunk(template: str) -> None:
    # It becomes the Originate's Channel header: anything else could smuggle AMI headers in.
    with pytest.raises(ConfigurationError, match="dial_template"):
        pacing_settings(dial_template=template)


def test_dial_template_may_put_digits_before_the_number() -> None:
    assert pacing_settings(dial_template="PJSIP/184{number}@trunk").dial_template == (
        "PJSIP/184{number}@trunk"
    )
    assert pacing_settings().dial_template == "PJSIP/{number}@trunk"
    with pytest.raises(ConfigurationError, match="caller_id"):
        pacing_settings(caller_id="0312345678\r\nAction: Command")
