"""The 48-hour follow-up rule and how its time left reads, as plain functions."""

from datetime import datetime, timedelta

import pytest

from coach.leads.follow_up import FOLLOW_UP_AFTER, follow_up_due_at, lead_row, time_left_label
from coach.models import Lead

MADE = datetime(2026, 11, 16, 15, 0)  # naive UTC, as stored


def lead(status="new"):
    return Lead(status=status, created_at=MADE)


def test_a_new_lead_is_due_48_hours_after_it_was_made():
    assert timedelta(hours=48) == FOLLOW_UP_AFTER
    assert follow_up_due_at(lead()) == datetime(2026, 11, 18, 15, 0)


@pytest.mark.parametrize(
    "status", ["followed_up", "applied", "interview", "offer", "hired", "not_hired", "closed"]
)
def test_any_step_after_new_is_the_follow_up(status):
    assert follow_up_due_at(lead(status)) is None
    assert lead_row(lead(status), MADE + timedelta(days=9)).label == ""


@pytest.mark.parametrize(
    ("after", "label"),
    [
        (timedelta(0), "due in 48 h"),
        (timedelta(seconds=1), "due in 48 h"),
        (timedelta(hours=1), "due in 47 h"),
        (timedelta(hours=43, minutes=1), "due in 5 h"),
        (timedelta(hours=47, minutes=40), "due in 20 min"),
        (timedelta(hours=47, minutes=59, seconds=59), "due in 1 min"),
        (timedelta(hours=48), "due in 1 min"),
        (timedelta(hours=48, minutes=10), "10 min late"),
        (timedelta(hours=51, minutes=30), "3 h late"),
        (timedelta(hours=71, minutes=59), "23 h late"),
        (timedelta(hours=72), "1 day late"),
        (timedelta(days=4), "2 days late"),
    ],
)
def test_time_left_reads_in_minutes_hours_or_days(after, label):
    due = follow_up_due_at(lead())
    assert time_left_label(due, MADE + after) == label


def test_a_row_says_whether_the_lead_is_overdue():
    row = lead_row(lead(), MADE + timedelta(hours=49))
    assert row.overdue and row.label == "1 h late" and row.due == MADE + FOLLOW_UP_AFTER
    assert not lead_row(lead(), MADE + timedelta(hours=47)).overdue
