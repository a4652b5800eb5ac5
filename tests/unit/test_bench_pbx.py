"""Reading Asterisk's per-channel RTP counters for the PBX benchmark."""

from __future__ import annotations

from saikoku.devtools.bench_pbx import rtp_counts

# As Asterisk 22 prints `pjsip show channelstats` (one bridged, one unbridged channel), with
# its runs of spaces squeezed to fit our line length.
CHANNELSTATS = """
 ..........Receive......... .........Transmit..........
 BridgeId ChannelId ........ UpTime.. Codec. Count Lost Pct Jitter Count Lost Pct Jitter RTT....
 ==========================================================================================

 opbridge trunk-0000002a 00:00:04 ulaw 212 0 0 0.000 198 1 0 0.003 0.000
          trunk-0000002b 00:00:01 ulaw  40 0 0 0.000   0 0 0 0.000 0.000

Objects found: 2
"""


def test_counts_per_channel_received_then_sent() -> None:
    assert rtp_counts(CHANNELSTATS) == {"trunk-0000002a": (212, 198), "trunk-0000002b": (40, 0)}


def test_no_channels() -> None:
    assert rtp_counts("No objects found.\n") == {}
