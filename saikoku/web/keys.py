"""Typed keys for what the application and each request carry."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from campaigns.policy import ContactPolicy
from dialer.calls import CallPlacer
from saikoku.settings import Settings
from saikoku.web.sessions import SessionUser

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
USER = web.RequestKey("user", SessionUser)
PLACER = web.AppKey("placer", CallPlacer)
CONTACT_POLICY = web.AppKey("contact_policy", ContactPolicy)
