"""Digest times: parsing what users type, and when runs fall due across timezones and DST."""

import datetime as dt

from bot import scheduling
from bot.subscription_store import Subscription

UTC = dt.timezone.utc


def sub(kind="daily", at="07:30", weekday=None, last_run=None, created="2026-03-01T00:00:00+00:00"):
    return Subscription(1, 42, kind, None, at, weekday, 0, last_run, created)


def test_times_and_weekdays_are_read_as_people_write_them():
    assert scheduling.parse_time("7:30") == "07:30"
    assert scheduling.parse_time("19h05") == "19:05"
    assert scheduling.parse_time("24:00") is None and scheduling.parse_time("otters") is None
    assert scheduling.parse_weekday("Fri") == 4 and scheduling.parse_weekday("sunday") == 6
    assert scheduling.parse_weekday("fr") is None


def test_daily_runs_follow_the_local_clock_through_daylight_saving():
    berlin = scheduling.zone("Europe/Berlin")
    before = scheduling.next_due(sub(), berlin, dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    after = scheduling.next_due(sub(), berlin, before)
    assert before == dt.datetime(2026, 3, 29, 5, 30, tzinfo=UTC)  # 07:30 CEST on the change day
    assert after == dt.datetime(2026, 3, 30, 5, 30, tzinfo=UTC)
    assert scheduling.next_due(sub(), berlin, dt.datetime(2026, 3, 27, 12, 0, tzinfo=UTC)).hour == 6


def test_weekly_runs_fall_on_their_weekday():
    utc = scheduling.zone("UTC")
    due = scheduling.next_due(sub("weekly", "18:00", 4), utc, dt.datetime(2026, 11, 28, tzinfo=UTC))
    assert due == dt.datetime(2026, 12, 4, 18, 0, tzinfo=UTC) and due.weekday() == 4


def test_only_the_latest_missed_run_is_owed():
    utc = scheduling.zone("UTC")
    now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    missed = sub(last_run="2026-11-25T07:30:00+00:00")
    assert scheduling.owed(missed, utc, now) == dt.datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    assert scheduling.owed(sub(last_run="2026-11-28T07:30:00+00:00"), utc, now) is None
    assert scheduling.owed(sub(created="2026-11-28T10:00:00+00:00"), utc, now) is None
    assert scheduling.zone("Mars/Olympus") is None
