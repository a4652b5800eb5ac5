"""Typed keys for what the application and each request carry: the one place they are made."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from ari_bridge.call_center import CallCenter
from ari_bridge.client import AriClient
from ari_bridge.stream import AriEventStream
from campaigns.policy import ContactPolicy
from dialer.ami import AmiClient
from dialer.calls import CallPlacer
from dialer.preview import PreviewDialer
from saikoku.config.settings import Settings
from saikoku.web.desk_hub import DeskHub
from saikoku.web.rate_limits import LoginThrottle
from store.passwords import PasswordChecker
from store.sessions import SessionUser

SETTINGS = web.AppKey("settings", Settings)
CONTACT_POLICY = web.AppKey("contact_policy", ContactPolicy)
POOL = web.AppKey("pool", asyncpg.Pool)
AMI = web.AppKey("ami", AmiClient)
ARI = web.AppKey("ari", AriClient)
ARI_EVENTS = web.AppKey("ari_events", AriEventStream)
PLACER = web.AppKey("placer", CallPlacer)
CALL_CENTER = web.AppKey("call_center", CallCenter)
PREVIEW = web.AppKey("preview", PreviewDialer)
DESK_HUB = web.AppKey("desk_hub", DeskHub)
PASSWORDS = web.AppKey("passwords", PasswordChecker)
LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)

USER = web.RequestKey("user", SessionUser)
