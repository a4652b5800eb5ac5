"""Which address a request came from when trusted proxies stand in front of the service."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

import pytest

from saikoku.config.settings import load_settings
from saikoku.core.errors import ConfigurationError
from saikoku.web.forwarding import client_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # No proxy trusted, or a peer that is not one: the headers are the client's to forge.
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),
        # Through our proxy: the address it appended.
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        # What the client wrote itself stands left of that, and is not believed.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["1.2.3.4", "198.51.100.1"], "198.51.100.1"),
        # Through two of our proxies: the right-most hop that is not one of them.
        ("10.0.0.2", ["1.2.3.4, 198.51.100.1, 10.0.0.7"], "198.51.100.1"),
        # Everyone in the chain is ours: the left-most, where the request began.
        ("10.0.0.2", ["10.9.9.9, 10.0.0.7"], "10.9.9.9"),
        # A hop that is not an address (a port, garbage) ends the walk at the last good one.
        ("10.0.0.2", ["198.51.100.1:4431"], "10.0.0.2"),
        ("10.0.0.2", ["evil, 10.0.0.7"], "10.0.0.7"),
        ("10.0.0.2", [" 198.51.100.1 ,"], "10.0.0.2"),
        # No header at all.
        ("10.0.0.2", [], "10.0.0.2"),
        # IPv6, and an IPv4 peer seen through a dual-stack socket.
        ("::1", ["2001:db8::5"], "2001:db8::5"),
        ("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
    ],
)
def test_the_client_is_the_right_most_hop_we_do_not_trust(
    peer: str, forwarded_for: list[str], client: str
) -> None:
    assert client_address(peer, forwarded_for, PROXIES) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address("10.0.0.2", ["198.51.100.1"], ()) == "10.0.0.2"


def test_the_setting_takes_addresses_and_networks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's tree
    monkeypatch.delenv("SAIKOKU_TRUSTED_PROXIES", raising=False)
    secrets = {"ami_secret": "x" * 8, "ari_password": "x" * 8, "operator_phone_secret": "x" * 8}
    assert load_settings(**secrets).trusted_proxies == ()
    monkeypatch.setenv("SAIKOKU_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")
    assert load_settings(**secrets).trusted_proxies == (
        ip_network("127.0.0.1/32"),
        ip_network("10.0.0.0/8"),
        ip_network("::1/128"),
    )
    monkeypatch.setenv("SAIKOKU_TRUSTED_PROXIES", "10.0.0.1/8")  # host bits: a typo
    with pytest.raises(ConfigurationError, match="SAIKOKU_TRUSTED_PROXIES"):
        load_settings(**secrets)
