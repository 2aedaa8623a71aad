"""Writes to the evidence ledger and the matrix. The only code that writes SkillLevel or
SkillChange rows: every other app calls `evidence_record` / `evidence_revoke`."""
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Counter, Staff
from academy.services import counter_next, event_publish
from skills.models import CHANGE_COUNTER, Evidence, EvidenceSource, ProficiencyLevel, Skill, SkillChange, SkillLevel
from skills.policy import evaluate

# An observation slightly in the future is clock skew between machines, not a forecast.
FUTURE_TOLERANCE = timedelta(minutes=5)


def scale_levels() -> list[int]:
    """The levels of the scale, e.g. [0, 1, 2, 3, 4]."""
    levels = list(ProficiencyLevel.objects.values_list("level", flat=True))
    return levels or [0, 1, 2, 3, 4]


def _lock_change_log() -> None:
    """Take the change-log lock first in every write transaction: one lock order, no deadlocks."""
    Counter.objects.get_or_create(name=CHANGE_COUNTER)
    Counter.objects.select_for_update().filter(name=CHANGE_COUNTER).exists()


def cell_refresh(*, staff: Staff, skill: Skill, reason: str, now: datetime | None = None) -> SkillLevel:
    """Recompute one cell from the ledger at `now`; when its level or drop instant changes, append
    to the change log and publish `skill_level.changed`. Runs in the caller's transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_change_log()
        cell, _created = SkillLevel.objects.select_for_update().get_or_create(staff=staff, skill=skill)
        evidences = list(Evidence.objects.filter(staff=staff, skill=skill))
        result = evaluate(evidences, now)
        changed = cell.level != result.level or cell.valid_until != result.valid_until
        old_level = cell.level
        cell.level = result.level
        cell.valid_until = result.valid_until
        cell.sources = result.sources
        cell.declared_level = result.declared_level
        cell.updated_at = now
        cell.save()
        if changed:
            seq = counter_next(name=CHANGE_COUNTER)
            SkillChange.objects.create(
                seq=seq, staff=staff, skill=skill, old_level=old_level, new_level=result.level,
                valid_until=result.valid_until, at=now, reason=reason[:200],
            )
            event_publish(
                type="skill_level.changed", seq=seq, occurred_at=now,
                data={
                    "employee_id": staff.employee_id, "skill": skill.code, "old_level": old_level,
                    "new_level": result.level,
                    "valid_until": result.valid_until.isoformat() if result.valid_until else None,
                    "reason": reason[:200],
                },
            )
    return cell


def evidence_record(
    *,
    staff: Staff,
    skill: Skill,
    level: int,
    source: str,
    recorded_by=None,
    observed_at: datetime | None = None,
    valid_until: datetime | None = None,
    reference_type: str = "",
    reference_id: str = "",
    note: str = "",
    reason: str = "",
) -> Evidence:
    """Append an evidence and update the matrix cell and change log in the same transaction.

    Raises ValidationError for a level outside the scale, an unknown source, an inactive staff
    member or skill, a `valid_until` that is not after `observed_at` or already past, or an
    observation in the future.
    """
    now = timezone.now()
    observed_at = observed_at or now
    errors = {}
    if source not in EvidenceSource.values:
        errors["source"] = _("Source inconnue : %(source)s") % {"source": source}
    if level not in scale_levels():
        errors["level"] = _("Le niveau %(level)s n'est pas dans l'échelle.") % {"level": level}
    if not staff.active:
        errors["staff"] = _("%(who)s est inactif.") % {"who": staff.employee_id}
    if not skill.active:
        errors["skill"] = _("La compétence %(code)s est désactivée.") % {"code": skill.code}
    if observed_at > now + FUTURE_TOLERANCE:
        errors["observed_at"] = _("La date d'observation est dans le futur.")
    if valid_until is not None and (valid_until <= observed_at or valid_until <= now):
        errors["valid_until"] = _("La date de fin de validité est déjà passée.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_change_log()
        evidence = Evidence.objects.create(
            staff=staff, skill=skill, level=level, source=source, observed_at=min(observed_at, now),
            valid_until=valid_until, recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
            reference_type=reference_type, reference_id=str(reference_id), note=note,
        )
        cell_refresh(staff=staff, skill=skill, reason=reason or f"evidence:{source}", now=now)
    return evidence


def evidence_revoke(*, evidence: Evidence, revoked_by=None, reason: str) -> Evidence:
    """Revoke an evidence now (idempotent) and update the cell and change log with it."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Un motif est obligatoire pour révoquer une preuve.")})
    with transaction.atomic():
        _lock_change_log()
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if evidence.revoked_at is not None:
            return evidence
        now = timezone.now()
        evidence.revoked_at = now
        evidence.revoked_by = revoked_by if getattr(revoked_by, "pk", None) else None
        evidence.revoke_reason = reason
        evidence.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        cell_refresh(staff=evidence.staff, skill=evidence.skill, reason=f"revoked: {reason}", now=now)
    return evidence


def cells_expire(*, now: datetime | None = None) -> int:
    """Apply expiries: refresh every cell whose drop instant has passed. Returns how many changed."""
    now = now or timezone.now()
    count = 0
    due = SkillLevel.objects.filter(valid_until__lte=now).select_related("staff", "skill")
    for cell in due.iterator():
        with transaction.atomic():
            refreshed = cell_refresh(staff=cell.staff, skill=cell.skill, reason="expired", now=now)
        count += refreshed.level != cell.level or refreshed.valid_until != cell.valid_until
    return count
