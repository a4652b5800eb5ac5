"""A campaign's call to one person: the dial string and options from the campaign's pacing
knobs, placed through the CallPlacer. The predictive loop and the preview dialer both place
their calls here, so a knob means the same in either mode."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from campaigns.dialing import Dial
from dialer.ami_messages import OriginateResult
from dialer.calls import Callee, CallPlacer, DialOptions
from dialer.pacing.settings import PacingSettings


def dial_options(knobs: PacingSettings, *, operator_on_line: bool) -> DialOptions:
    """In preview the operator is already on the line: no AMD, nobody to leave a message."""
    return DialOptions(
        ring_timeout_s=knobs.ring_timeout_s,
        amd=knobs.amd_enabled and not operator_on_line,
        caller_id=knobs.caller_id,
        message_on_machine=knobs.machine_action == "leave_message" and not operator_on_line,
    )


@dataclass(frozen=True)
class CampaignCall:
    """One call of a campaign to one person; the attempt id is ours, made before the row."""

    tenant_id: UUID
    campaign_id: UUID
    attempt_id: UUID
    dial: Dial


async def place_campaign_call(
    placer: CallPlacer, call: CampaignCall, knobs: PacingSettings, *, operator_on_line: bool
) -> OriginateResult:
    dial = call.dial
    return await placer.place(
        tenant_id=call.tenant_id,
        campaign_id=call.campaign_id,
        attempt_id=call.attempt_id,
        dial_string=knobs.dial_template.format(number=dial.number),
        options=dial_options(knobs, operator_on_line=operator_on_line),
        who=Callee(dial.target_id, dial.person_id, dial.phone_id),
    )
