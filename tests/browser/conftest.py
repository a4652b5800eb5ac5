"""Browser tier: real Chromium (Debian's) through Playwright, on top of the PBX tier's rig."""

from __future__ import annotations

import pytest

from tests.pbx.conftest import asterisk, debtors, operator_phones, service  # noqa: F401
from tests.web.conftest import tenant_code, web_client  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.pbx)
