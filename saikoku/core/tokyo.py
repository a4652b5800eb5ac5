"""The one time zone of the service: the ward's (Asia/Tokyo, no daylight saving)."""

from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
