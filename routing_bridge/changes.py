"""The change feed (contract: `GET changes`): the level changes recorded after a sequence number,
in order, for routers that keep a copy of the matrix current."""
from skills.models import SkillChange


def changes_since(*, since: int, limit: int) -> dict:
    rows = list(
        SkillChange.objects.filter(seq__gt=since).order_by("seq")
        .values_list("seq", "staff__employee_id", "skill__code", "old_level", "new_level", "valid_until", "at",
                     "reason")[:limit]
    )
    items = [
        {"seq": seq, "employee_id": emp, "skill": code, "old_level": old, "new_level": new,
         "valid_until": until, "at": at, "reason": reason}
        for seq, emp, code, old, new, until, at, reason in rows
    ]
    return {"items": items, "next_since": items[-1]["seq"] if items else since}
