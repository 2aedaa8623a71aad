"""What the home page shows each signed-in person: their next steps as a learner, and by role a
summary of their teams (leads) or the categories to ask about (dispatchers).

Reads only, composed from the selectors of the apps that own the data (courses, paths, skills,
assessments); nothing here restates how progress, gaps or deadlines are computed. `/` is the most
requested page: `learner_dashboard` runs a fixed number of queries whatever the number of the
person's courses, paths or skills."""
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from academy.clients import clients_of_staff
from academy.models import Staff
from assessments.selectors import certifications_held_count
from courses.models import CatalogueIndexPage
from courses.paths.selectors import (
    Status, certifications_expiring, local_today, overdue, paths_for_learner, progress_for, team_assignments,
)
from courses.selectors import my_learning
from skills.selectors import (
    expiring_for_staff, gaps_for_staff, role_profile_for, skill_cells, validation_queue_for,
)

# At most this many items per section; the section links to the full page for the rest.
SECTION_LIMIT = 3
# The horizon of "Échéances", the one /mes-competences/ uses.
DEADLINE_DAYS = 90


def _resume_order(item) -> tuple:
    """Courses visited most recently first; then those not started yet, soonest due first."""
    enrolment = item.enrolment
    visited = enrolment.last_visited_at
    return (visited is None, -visited.timestamp() if visited else 0, enrolment.due_on or date.max,
            -enrolment.enrolled_at.timestamp())


def learner_dashboard(*, staff: Staff, now: datetime | None = None) -> dict:
    """The learner's sections of the home page, for a person with a staff record:

    - `resume`: up to 3 active enrolments (`courses.selectors.my_learning` items, with their
      progress), most recently visited first; `resume_total` counts them all;
    - `path_rows`: up to 3 path assignments not finished (`paths_for_learner`: overdue first, then
      by due date); `paths_total` counts them all;
    - `role_profile`, `gaps` (up to 3 unmet requirements, `skills.selectors.gaps_for_staff`) and
      `gaps_total`;
    - `expiring`: up to 3 validated levels ending within 90 days, soonest first
      (`expiring_for_staff`, as /mes-competences/); `expiring_total`;
    - `figures`: skills validated, certifications held, courses completed;
    - `my_clients`: the active clients they are the referent or a backup of
      (`academy.clients.clients_of_staff`: (client, "referent" or "backup"), referent ones first).
    """
    now = now or timezone.now()
    learning = my_learning(staff=staff)
    active = sorted(learning["in_progress"] + learning["assigned"], key=_resume_order)
    paths = [row for row in paths_for_learner(staff=staff, now=now) if row.status != Status.DONE]
    profile = role_profile_for(staff)
    cells = skill_cells(staff=staff)  # read once for the gaps and the count of validated skills
    gaps = [gap for gap in gaps_for_staff(staff=staff, profile=profile, cells=cells) if not gap.met]
    expiring = expiring_for_staff(staff=staff, days=DEADLINE_DAYS)
    return {
        "resume": active[:SECTION_LIMIT],
        "resume_total": len(active),
        "path_rows": paths[:SECTION_LIMIT],
        "paths_total": len(paths),
        "role_profile": profile,
        "gaps": gaps[:SECTION_LIMIT],
        "gaps_total": len(gaps),
        "expiring": expiring[:SECTION_LIMIT],
        "expiring_total": len(expiring),
        "figures": {
            "skills": sum(1 for cell in cells.values() if cell.level > 0),
            "certifications": certifications_held_count(staff=staff, now=now),
            "completed": len(learning["completed"]),
        },
        "my_clients": clients_of_staff(staff=staff),
    }


def team_summary(*, user, now: datetime | None = None) -> dict:
    """For a lead (or an admin), about the people they lead (other teams' are not counted):
    `overdue`, their path assignments past due (`courses.paths.selectors.overdue`);
    `pending_validations`, the self-assessments waiting for the lead
    (`skills.selectors.validation_queue_for`); `expiring_certifications`, their certifications
    ending within 90 days with no renewal lined up (`certifications_expiring`)."""
    now = now or timezone.now()
    # Only an assignment due before today can be overdue: compute the progress of those alone.
    candidates = team_assignments(user=user).filter(due_on__lt=local_today(now))
    return {
        "overdue": len(overdue(progress_for(candidates, now=now))),
        "pending_validations": validation_queue_for(user).count(),
        "expiring_certifications": len(certifications_expiring(user=user, days=DEADLINE_DAYS, now=now)),
    }


def new_course_url() -> str:
    """Where an editor writes a new course: Wagtail's "add a course page" form under the catalogue,
    or the admin's home when there is no catalogue yet."""
    catalogue_id = CatalogueIndexPage.objects.order_by("path").values_list("pk", flat=True).first()
    if catalogue_id is None:
        return reverse("wagtailadmin_home")
    return reverse("wagtailadmin_pages:add", args=["courses", "coursepage", catalogue_id])
