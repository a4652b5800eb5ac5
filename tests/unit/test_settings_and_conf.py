import re
from pathlib import Path

import pytest
import structlog

from dialer.ami import EVENT_CLASSES
from dialer.pacing.settings import TRUNK_ENDPOINT
from saikoku.config.logs import drop_personal_fields
from saikoku.config.settings import Settings, load_settings
from saikoku.core.errors import ConfigurationError
from saikoku.core.supervision import Backoff
from saikoku.pbx.conf import SOURCE_DIR, phone_secret, render, write_conf

SECRETS = {
    "ami_secret": "ami-secret-123",
    "ari_password": "ari-secret-123",
    "operator_phone_secret": "phone-secret-123",
}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's tree
    return load_settings(**SECRETS)


def test_bad_setting_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAIKOKU_AMI_PORT", "70000")
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", "mysql://nope")
    with pytest.raises(ConfigurationError) as error:
        load_settings(**SECRETS)
    message = str(error.value)
    assert "SAIKOKU_AMI_PORT" in message
    assert "SAIKOKU_DATABASE_URL" in message


def test_missing_secret_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SAIKOKU_AMI_SECRET", "SAIKOKU_ARI_PASSWORD", "SAIKOKU_OPERATOR_PHONE_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="SAIKOKU_AMI_SECRET"):
        load_settings()


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "SAIKOKU_AMI_SECRET=from-dotenv-1\nSAIKOKU_ARI_PASSWORD=from-dotenv-2\n"
        "SAIKOKU_OPERATOR_PHONE_SECRET=from-dotenv-3\nSAIKOKU_WEB_PORT=9999\n"
    )
    loaded = load_settings()
    assert loaded.web_port == 9999
    assert loaded.ami_secret.get_secret_value() == "from-dotenv-1"


def test_rendered_conf_has_no_tokens_left_and_carries_settings(
    settings: Settings, tmp_path: Path
) -> None:
    written = write_conf(settings, tmp_path / "etc")
    names = {p.name for p in written}
    assert {"manager.conf", "pjsip.conf", "extensions.conf", "pjsip_operators.conf"} <= names
    for path in written:
        assert not re.search(r"@[a-z_]+@", path.read_text()), path.name
        assert path.stat().st_mode & 0o777 == 0o640
    assert "secret = ami-secret-123" in (tmp_path / "etc" / "manager.conf").read_text()
    assert "contact = sip:127.0.0.1:5070" in (tmp_path / "etc" / "pjsip.conf").read_text()


def test_unknown_token_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="@nope@"):
        render("x = @nope@", {}, source="test.conf")


def test_each_phone_has_its_own_password(settings: Settings) -> None:
    assert phone_secret(settings, "op001") != phone_secret(settings, "op002")
    assert phone_secret(settings, "op001") == phone_secret(settings, "op001")


def test_shipped_templates_exist() -> None:
    assert (SOURCE_DIR / "modules.conf").is_file()


def test_personal_fields_never_reach_the_log() -> None:
    # The processor itself, so the global logging set-up of other tests stays untouched.
    fields = {"event": "lookup", "phone": "0312345678", "name": "山田太郎", "attempt_id": "a1"}
    event = drop_personal_fields(None, "info", fields)
    assert event["phone"] == event["name"] == "<redacted>"
    assert event["attempt_id"] == "a1"
    assert drop_personal_fields in structlog.get_config()["processors"]


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    backoff = Backoff(base=0.5, cap=4.0)
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [0.5, 1, 2, 4, 4, 4, 4, 4]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 10 <= delay <= ceiling
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def _ami_user_permissions() -> dict[str, set[str]]:
    """read/write classes of the service's AMI user, as asterisk-conf/manager.conf ships."""
    section, found = "", {}
    for raw in (SOURCE_DIR / "manager.conf").read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "@ami_user@" and "=" in line:
            key, _, value = (p.strip() for p in line.partition("="))
            if key in ("read", "write"):
                found[key] = {c.strip() for c in value.split(",") if c.strip()}
    return found


def test_the_ami_user_may_write_only_what_the_dialer_sends() -> None:
    permissions = _ami_user_permissions()
    # system/command/config would let an AMI user run shell commands (Originate to System(),
    # Command), reload modules or rewrite the configuration; "all" is every class at once.
    assert not permissions["write"] & {"system", "command", "config", "all", "agi", "user"}
    assert permissions["write"] == {"originate", "reporting"}
    # Reading: exactly the event classes the client subscribes to.
    assert permissions["read"] == set(EVENT_CLASSES.split(","))


def test_the_dial_template_names_the_trunk_endpoint_that_pjsip_conf_defines() -> None:
    pjsip = (SOURCE_DIR / "pjsip.conf").read_text()
    assert re.search(rf"^\[{TRUNK_ENDPOINT}\]\s*\ntype = endpoint", pjsip, re.MULTILINE)
