"""The site's date style: the per-language format modules (settings.FORMAT_MODULE_PATH) and how a
validity end is shown as a day."""
from datetime import date, datetime, timedelta

from django.utils import timezone


def last_valid_day(until: datetime | date | None) -> date | None:
    """The last day (local time) on which something valid until the instant `until` still holds.
    An end is exclusive (skills.policy: at `until` it no longer counts), so an end at midnight
    shows the day before: "valid until 2027-02-25 00:00" reads "jusqu'au 24 février 2027"."""
    if until is None or not isinstance(until, datetime):
        return until
    if timezone.is_aware(until):
        until = timezone.localtime(until)
    return (until - timedelta(microseconds=1)).date()
