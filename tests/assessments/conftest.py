from datetime import datetime

import pytest
from django.utils import timezone


class Clock:
    """A controlled clock: patches django.utils.timezone.now for every caller."""

    def __init__(self, monkeypatch, start: datetime):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta):
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when: datetime):
        self.now = when
        return self.now


@pytest.fixture
def clock(monkeypatch):
    real_now = timezone.now()
    return Clock(monkeypatch, real_now)
