"""Reads of the matrix and the ledger."""
from datetime import datetime

from django.utils import timezone

from skills.models import Evidence
from skills.policy import Evaluation, evaluate


def effective_level(*, staff, skill, at: datetime | None = None) -> Evaluation:
    """The policy evaluated for (staff, skill) at `at` (default now), from the ledger."""
    at = at or timezone.now()
    return evaluate(Evidence.objects.filter(staff=staff, skill=skill), at)
