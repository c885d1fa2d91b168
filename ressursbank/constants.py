"""Constants shared by every layer."""

from __future__ import annotations

from zoneinfo import ZoneInfo

#: All local date-times in ressursbank are naive and mean this zone (exports add the offset).
TIMEZONE = ZoneInfo("Europe/Oslo")
MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
#: AML § 10-11: the night window 21:00-06:00.
NIGHT_START_MINUTE = 21 * 60
NIGHT_END_MINUTE = 6 * 60
