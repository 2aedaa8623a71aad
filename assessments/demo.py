"""Demo data for assessments: a French question bank, an exam per demo course, certification
exams and certifications (Poste de travail N1, Active Directory N1, Messagerie N1), and for the
`technicien` account a certification that expires within 90 days. Idempotent."""
import json
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from academy.models import Staff
from assessments.demo_content import QUESTIONS
from assessments.exchange import FORMAT, VERSION, questions_import
from assessments.models import (
    Award, Certification, CertificationExamRequirement, CertificationGrant, Exam, ExamGrant, ExamPool,
    ExamQuestion, Question, SelectionMode,
)
from assessments.services import award_create, local_midnight
from courses.models import CoursePage
from skills.models import Domain, Skill

CERTIFICATION_EXAMS = [
    {"slug": "poste-de-travail-n1", "title": "Examen Poste de travail N1", "prefix": "PDT-",
     "description": "Dépannage de poste Windows, impression et assistance à distance au premier niveau.",
     "time": 15, "grants": [("PDT.WIN", 2), ("PDT.REMOTE", 2)]},
    {"slug": "messagerie-n1-recertification", "title": "Messagerie N1 — recertification", "prefix": "MSG-",
     "description": "Parcours court de recertification : les bases du flux et de l'authentification des mails.",
     "time": 10, "grants": []},
]

CERTIFICATIONS = [
    {"code": "PDT-N1", "name_fr": "Certification Poste de travail N1", "name_en": "Workstation L1 certification",
     "domain": "PDT", "exams": ["poste-de-travail-n1"], "renewal_exams": [],
     "grants": [("PDT.WIN", 2), ("PDT.REMOTE", 2), ("PDT.PRINT", 2)]},
    {"code": "AD-N1", "name_fr": "Certification Active Directory N1", "name_en": "Active Directory L1 certification",
     "domain": "AD", "exams": ["active-directory-n1"], "renewal_exams": [],
     "grants": [("AD.GPO", 2), ("AD.ACCOUNTS", 2)]},
    {"code": "MSG-N1", "name_fr": "Certification Messagerie N1", "name_en": "Messaging L1 certification",
     "domain": "MSG", "exams": [], "renewal_exams": ["messagerie-n1-recertification"],
     "grants": [("MSG.FLOW", 2), ("MSG.CLIENT", 2)]},
]


def _skills():
    return {s.code: s for s in Skill.objects.filter(active=True)}


def _bank_seed(*, stdout) -> None:
    skills = _skills()
    items = []
    for item in QUESTIONS:
        item = dict(item, skills=[code for code in item["skills"] if code in skills])
        items.append(item)
    new = [i for i in items if not Question.objects.filter(code=i["code"]).exists()]
    if not new:
        return
    report = questions_import(text=json.dumps({"format": FORMAT, "version": VERSION, "questions": new}))
    if not report.ok:  # the demo content is ours: an error here is a bug to see at once
        raise RuntimeError("assessments demo bank: " + "; ".join(report.errors))
    stdout.write(f"assessments: +{report.created} questions")


def _exam(slug: str, **fields) -> tuple[Exam, bool]:
    exam = Exam.objects.filter(slug=slug).first()
    if exam is not None:
        return exam, False
    return Exam.objects.create(slug=slug, **fields), True


def _course_exams_seed(*, stdout) -> None:
    """One final exam per demo course, the course's required final assessment: the bank's
    questions on the skills the course teaches."""
    created = linked = 0
    for course in CoursePage.objects.live().order_by("path"):
        taught = list(course.skills_taught.select_related("skill"))
        questions = list(Question.objects.filter(skills__in=[t.skill for t in taught], active=True)
                         .distinct().order_by("code")[:8])
        if not questions:
            questions = list(Question.objects.filter(skills__domain=course.domain_id, active=True)
                             .distinct().order_by("code")[:8])
        if not questions:
            continue
        with transaction.atomic():
            exam, new = _exam(
                f"examen-{course.slug}"[:80], title=f"Examen — {course.title}"[:200],
                description=f"Vérifiez ce que vous avez retenu de la formation « {course.title} ».",
                course=course, pass_mark=70, time_limit_minutes=20, max_attempts=3, cooldown_minutes=10,
                feedback="after_pass",
            )
            if not new:
                # A demo seeded before exams were linked to their course: link it now, so that
                # the course page leads to its final exam. An exam linked elsewhere is left alone.
                if Exam.objects.filter(pk=exam.pk, course__isnull=True).update(course=course):
                    linked += 1
                continue
            for i, question in enumerate(questions):
                ExamQuestion.objects.create(exam=exam, question=question, sort_order=i)
            for i, t in enumerate(taught):
                ExamGrant.objects.create(exam=exam, skill=t.skill, level=t.level, sort_order=i)
        created += 1
    if created:
        stdout.write(f"assessments: +{created} examens de formation")
    if linked:
        stdout.write(f"assessments: {linked} examens de formation reliés à leur formation")


def _certification_exams_seed(*, stdout) -> None:
    skills = _skills()
    for data in CERTIFICATION_EXAMS:
        with transaction.atomic():
            exam, new = _exam(data["slug"], title=data["title"], description=data["description"], pass_mark=70,
                              time_limit_minutes=data["time"], cooldown_minutes=5, feedback="after_pass")
            if not new:
                continue
            for i, question in enumerate(Question.objects.filter(code__startswith=data["prefix"]).order_by("code")):
                ExamQuestion.objects.create(exam=exam, question=question, sort_order=i)
            for i, (code, level) in enumerate(data["grants"]):
                if code in skills:
                    ExamGrant.objects.create(exam=exam, skill=skills[code], level=level, sort_order=i)
    # Active Directory N1: a random draw, so that two attempts do not ask the same questions.
    with transaction.atomic():
        exam, new = _exam("active-directory-n1", title="Examen Active Directory N1", selection=SelectionMode.RANDOM,
                          description="Comptes, GPO et DNS de l'annuaire au premier niveau ; questions tirées "
                                      "au sort à chaque tentative.",
                          pass_mark=70, time_limit_minutes=15, max_attempts=5, cooldown_minutes=5,
                          feedback="after_pass")
        if new:
            pools = [("AD.GPO", 3), ("AD.ACCOUNTS", 2), ("AD.DNS", 1)]
            for i, (code, count) in enumerate(pools):
                if code in skills:
                    available = Question.objects.filter(skills=skills[code], active=True).count()
                    if available:
                        ExamPool.objects.create(exam=exam, skill=skills[code], count=min(count, available),
                                                sort_order=i)
            for i, (code, level) in enumerate([("AD.GPO", 2), ("AD.ACCOUNTS", 2)]):
                if code in skills:
                    ExamGrant.objects.create(exam=exam, skill=skills[code], level=level, sort_order=i)


def _certifications_seed(*, stdout) -> None:
    skills = _skills()
    created = 0
    for data in CERTIFICATIONS:
        domain = Domain.objects.filter(code=data["domain"]).first()
        if domain is None or Certification.objects.filter(code=data["code"]).exists():
            continue
        with transaction.atomic():
            cert = Certification.objects.create(code=data["code"], name_fr=data["name_fr"], name_en=data["name_en"],
                                                domain=domain, validity_months=24, renewal_window_days=90,
                                                description=f"Atteste le niveau opérationnel (N1) en "
                                                            f"{domain.name_fr.lower()}.")
            for path, slugs in (("initial", data["exams"]), ("renewal", data["renewal_exams"])):
                for i, slug in enumerate(slugs):
                    exam = Exam.objects.filter(slug=slug).first()
                    if exam:
                        CertificationExamRequirement.objects.create(certification=cert, exam=exam, path=path,
                                                                    sort_order=i)
            for i, (code, level) in enumerate(data["grants"]):
                if code in skills:
                    CertificationGrant.objects.create(certification=cert, skill=skills[code], level=level,
                                                      sort_order=i)
        created += 1
    if created:
        stdout.write(f"assessments: +{created} certifications")


def _technician_award_seed(*, stdout) -> None:
    """The demo technician holds Messagerie N1, obtained before the Académie (an audited import),
    expiring in 45 days: the reminders, the renewal window and /certificats/ have something to
    show."""
    staff = Staff.objects.filter(user__username="technicien", active=True).select_related("user").first()
    cert = Certification.objects.filter(code="MSG-N1").first()
    if staff is None or cert is None or Award.objects.filter(staff=staff, certification=cert).exists():
        return
    # Awarded so that it ends 45 days from now: back-date by the validity minus 45 days.
    expires_on = timezone.localdate() + timedelta(days=45)
    awarded_on = expires_on - relativedelta(months=cert.validity_months)
    awarded_at = local_midnight(awarded_on) + timedelta(hours=10)
    award_create(certification=cert, staff=staff, now=awarded_at, waive_requirements=True)
    stdout.write("assessments: le compte technicien détient « Messagerie N1 », qui expire dans 45 jours")


def seed(*, stdout) -> None:
    _bank_seed(stdout=stdout)
    _course_exams_seed(stdout=stdout)
    _certification_exams_seed(stdout=stdout)
    _certifications_seed(stdout=stdout)
    _technician_award_seed(stdout=stdout)
