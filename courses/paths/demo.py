"""Demo training paths, built by `chef` (lead of "Support N1 Paris") from the demo courses, exams
and certifications that exist — steps whose target is missing are skipped, and a path with no
step left is not created. Assigned to chef's team with due dates: one path by rule (every N1
technician of the team, 45 days after assignment), one to a few people before a fixed date,
and one overdue assignment so the lead's "En retard" list is not empty.

Idempotent: paths are looked up by name, steps are only added to a path that has none, rules
only created when the path has no active rule on the team, and assigning twice changes nothing."""
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from academy.models import Staff, Team
from assessments.models import Certification, Exam
from courses.models import CoursePage
from courses.paths import services
from courses.paths.models import PathRule, TrainingPath
from skills.models import RoleProfile

DEMO_TEAM = "Support N1 Paris"
DEMO_LEAD = "chef"

# name: (description, role profile name, [course slugs], exam skill codes, certification domains)
PATHS = {
    "Intégration technicien N1": (
        "Les premiers réflexes du premier niveau : poste de travail, annuaire, messagerie et sécurité.",
        "Technicien N1 poste de travail",
        ["windows-lent-au-demarrage", "gpo-qui-ne-s-applique-pas", "tracer-un-mail-qui-n-arrive-pas",
         "trier-une-alerte-edr"],
        ["PDT.WIN", "AD.ACCOUNTS"],
        [],
    ),
    "Active Directory : des GPO à la certification": (
        "Diagnostiquer les stratégies de groupe, valider ses acquis par l'examen, puis se certifier.",
        "Administrateur N2 systèmes",
        ["gpo-qui-ne-s-applique-pas"],
        ["AD.GPO"],
        ["AD"],
    ),
    "Messagerie et Microsoft 365 sécurisés": (
        "Tracer un flux de messagerie et sécuriser Exchange Online.",
        "",
        ["tracer-un-mail-qui-n-arrive-pas", "securiser-exchange-online"],
        ["MSG.FLOW", "M365.EXO"],
        ["M365", "MSG"],
    ),
}


def _targets(course_slugs, exam_skills, cert_domains) -> list[tuple[str, object]]:
    steps = []
    for slug in course_slugs:
        course = CoursePage.objects.live().filter(slug=slug).first()
        if course is not None:
            steps.append(("course", course))
    for code in exam_skills:
        exam = Exam.objects.filter(active=True, grants__skill__code=code).order_by("title").first()
        if exam is not None and all(target != exam for _kind, target in steps):
            steps.append(("exam", exam))
    for code in cert_domains:
        certification = Certification.objects.filter(active=True, domain__code=code).order_by("code").first()
        if certification is not None and all(target != certification for _kind, target in steps):
            steps.append(("certification", certification))
    return steps


def _path_ensure(*, name: str, spec, chef, stdout):
    description, profile_name, course_slugs, exam_skills, cert_domains = spec
    path = TrainingPath.objects.filter(name=name).first()
    if path is not None and path.steps.exists():
        return path
    steps = _targets(course_slugs, exam_skills, cert_domains)
    if not steps:
        stdout.write(f"paths: « {name} » ignoré (aucune formation, aucun examen ni certification de démo)")
        return None
    with transaction.atomic():
        if path is None:
            path = services.path_create(name=name, by=chef, description=description,
                                        role_profile=RoleProfile.objects.filter(name=profile_name).first())
        for kind, target in steps:
            try:
                with transaction.atomic():
                    services.path_step_add(path=path, by=chef, kind=kind, **{kind: target})
            except ValidationError as error:
                stdout.write(f"paths: « {name} » — étape ignorée : {' '.join(error.messages)}")
    stdout.write(f"paths: + « {name} » ({path.steps.count()} étapes)")
    return path


def _assign(path, staff, chef, stdout, **kwargs) -> None:
    try:
        with transaction.atomic():
            services.assignment_create(path=path, staff=staff, by=chef, **kwargs)
    except (ValidationError, PermissionDenied) as error:
        messages = getattr(error, "messages", [str(error)])
        stdout.write(f"paths: {staff.employee_id} non assigné à « {path.name} » : {' '.join(messages)}")


def seed(*, stdout) -> None:
    team = Team.objects.filter(name=DEMO_TEAM).first()
    chef = Staff.objects.filter(user__username=DEMO_LEAD).select_related("user").first()
    if team is None or chef is None or not team.leads.filter(pk=chef.user_id).exists():
        stdout.write("paths: équipe de démonstration ou compte chef absent : ignoré")
        return
    chef = chef.user
    paths = {name: _path_ensure(name=name, spec=spec, chef=chef, stdout=stdout) for name, spec in PATHS.items()}
    onboarding, ad_path, mail_path = (paths[name] for name in PATHS)
    members = list(Staff.objects.filter(team=team, active=True).exclude(user=chef).select_related("user")
                   .order_by("employee_id"))
    technician = next((s for s in members if s.user.username == "technicien"), None)
    others = [s for s in members if s is not technician]

    if onboarding is not None and not PathRule.objects.filter(path=onboarding, team=team, active=True).exists():
        try:
            _rule, report = services.assignment_rule_create(
                path=onboarding, by=chef, team=team, profile="technician", tier="N1", due_mode="relative",
                due_days=45)
            stdout.write(f"paths: règle « techniciens N1 de {team.name} » : {report}")
        except (ValidationError, PermissionDenied) as error:
            stdout.write(f"paths: règle non créée : {' '.join(getattr(error, 'messages', [str(error)]))}")

    today = timezone.localdate()
    if ad_path is not None:
        for staff in ([technician] if technician else []) + others[:2]:
            _assign(ad_path, staff, chef, stdout, due_mode="absolute", due_on=today + timedelta(days=20))
        if len(others) > 2:
            # Assigned 40 days ago with 30 days to finish: overdue today.
            _assign(ad_path, others[2], chef, stdout, due_mode="relative", due_days=30,
                    now=timezone.now() - timedelta(days=40))
    if mail_path is not None and technician is not None:
        _assign(mail_path, technician, chef, stdout, due_mode="relative", due_days=6)
