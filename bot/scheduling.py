"""When digests are due: pure functions of a subscription, a timezone and the current time."""

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .subscription_store import WEEKDAYS, Subscription

DEFAULT_TIME = "08:00"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


def parse_time(text: str) -> str | None:
    """Read '7:30', '07:30' or '19h05' as 'HH:MM'; None when it is not a time of day."""
    match = _TIME.match(text.strip().lower())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def parse_weekday(text: str) -> int | None:
    """Read a weekday name or its first three letters; None otherwise."""
    text = text.strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if len(text) >= 3 and name.startswith(text):
            return number
    return None


def zone(name: str) -> ZoneInfo | None:
    """Return the IANA timezone of that name, or None when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _runs_around(sub: Subscription, tz: ZoneInfo, moment: dt.datetime) -> list[dt.datetime]:
    """Scheduled runs (UTC) in the eight days on either side of `moment`, oldest first."""
    hour, minute = (int(part) for part in (sub.at or DEFAULT_TIME).split(":"))
    local = moment.astimezone(tz).date()
    runs = []
    for offset in range(-8, 9):
        day = local + dt.timedelta(days=offset)
        if sub.kind == "weekly" and day.weekday() != (sub.weekday or 0):
            continue
        runs.append(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(dt.timezone.utc))
    return runs


def last_due(sub: Subscription, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """Return the latest scheduled run at or before `now`."""
    return max(run for run in _runs_around(sub, tz, now) if run <= now)


def next_due(sub: Subscription, tz: ZoneInfo, after: dt.datetime) -> dt.datetime:
    """Return the first scheduled run strictly after `after`."""
    return min(run for run in _runs_around(sub, tz, after) if run > after)


def owed(sub: Subscription, tz: ZoneInfo, now: dt.datetime) -> dt.datetime | None:
    """Return the run that was missed (e.g. while the bot was down), if any; only the latest counts."""
    due = last_due(sub, tz, now)
    since = dt.datetime.fromisoformat(sub.last_run or sub.created_at)
    return due if due > since else None
