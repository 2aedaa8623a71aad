"""Builders for the question bank, exams and certifications used by the assessments tests."""
import itertools
from decimal import Decimal

from assessments.models import (
    CertificationExamRequirement, CertificationGrant, CertificationLevelRequirement, Certification, Choice, Exam,
    ExamGrant, ExamQuestion, Question,
)
from tests.factories import DomainFactory, SkillFactory

_seq = itertools.count(1)


def question_create(qtype="single", *, skills=(), difficulty=2, points=1, partial_credit=False, **kwargs) -> Question:
    """A question of `qtype` with a sensible correct answer:
    single: « Paris » among three; multiple: a and c right; true_false: True; numeric: 42 ± 0.5;
    short_text: « gpupdate /force » (normalised); ordering: un, deux, trois; matching: three pairs."""
    n = next(_seq)
    defaults = {
        "single": dict(text="Capitale de la France ?"),
        "multiple": dict(text="Protocoles de messagerie ?"),
        "true_false": dict(text="Une GPO s'applique aux OU.", true_false_answer=True),
        "numeric": dict(text="La réponse ?", numeric_answer=Decimal("42"), numeric_tolerance=Decimal("0.5")),
        "short_text": dict(text="Commande pour forcer les GPO ?", text_match="normalised"),
        "ordering": dict(text="Dans l'ordre"),
        "matching": dict(text="Associez les ports"),
    }[qtype]
    defaults.update(kwargs)
    rows = defaults.pop("rows", None)
    question = Question.objects.create(code=f"Q{n:04d}", type=qtype, difficulty=difficulty, points=points,
                                       partial_credit=partial_credit, explanation=f"Explication {n}", **defaults)
    if skills:
        question.skills.set(skills)
        question.save()
    if rows is None:
        rows = {
            "single": [("Lyon", False, ""), ("Paris", True, ""), ("Marseille", False, "")],
            "multiple": [("SMTP", True, ""), ("DHCP", False, ""), ("IMAP", True, ""), ("ARP", False, "")],
            "short_text": [("gpupdate /force", True, "")],
            "ordering": [("un", False, ""), ("deux", False, ""), ("trois", False, "")],
            "matching": [("SMTP", False, "25"), ("HTTPS", False, "443"), ("DNS", False, "53")],
        }.get(qtype, [])
    for i, (text, correct, match) in enumerate(rows):
        Choice.objects.create(question=question, sort_order=i, text=text, is_correct=correct, match_text=match)
    return question


def exam_create(*, questions=(), grants=(), **kwargs) -> Exam:
    n = next(_seq)
    defaults = dict(title=f"Examen {n}", slug=f"examen-{n}", pass_mark=50, shuffle_questions=False,
                    shuffle_choices=False, feedback="full")
    defaults.update(kwargs)
    exam = Exam.objects.create(**defaults)
    for i, q in enumerate(questions):
        ExamQuestion.objects.create(exam=exam, question=q, sort_order=i)
    for skill, level in grants:
        ExamGrant.objects.create(exam=exam, skill=skill, level=level)
    return exam


def certification_create(*, domain=None, exams=(), renewal_exams=(), levels=(), grants=(), **kwargs) -> Certification:
    n = next(_seq)
    defaults = dict(code=f"CERT-{n}", name_fr=f"Certification {n}", name_en=f"Certification {n} EN",
                    validity_months=24, renewal_window_days=90)
    defaults.update(kwargs)
    cert = Certification.objects.create(domain=domain or DomainFactory(), **defaults)
    for exam in exams:
        CertificationExamRequirement.objects.create(certification=cert, exam=exam, path="initial")
    for exam in renewal_exams:
        CertificationExamRequirement.objects.create(certification=cert, exam=exam, path="renewal")
    for skill, level in levels:
        CertificationLevelRequirement.objects.create(certification=cert, skill=skill, min_level=level)
    for skill, level in grants:
        CertificationGrant.objects.create(certification=cert, skill=skill, level=level)
    return cert


__all__ = ["question_create", "exam_create", "certification_create", "SkillFactory", "DomainFactory"]


def workstation_award(staff):
    """An award of "Certification Poste de travail N1" (PDT-N1, French and English names) to
    `staff`, whose e-mail address is set: what the certificate and badge tests look at."""
    from assessments.services import award_create

    domain = DomainFactory(code="PDT", name_fr="Poste de travail", name_en="Workstation")
    skill = SkillFactory(code="PDT.OS", domain=domain)
    cert = certification_create(domain=domain, grants=[(skill, 2)], code="PDT-N1",
                                name_fr="Certification Poste de travail N1", name_en="Workstation L1 certification")
    staff.user.email = "lea.martin@example.test"
    staff.user.save()
    return award_create(certification=cert, staff=staff)
