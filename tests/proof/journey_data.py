"""What the journeys need on top of `seed_demo`, created through the apps' own services and
Wagtail's tree API (the way an editor or an admin would): a course with two lessons, its final
exam, a certification earned by passing that exam, and a ticket category whose requirement only
that certification meets.

The skill is chosen so that, before the journeys, nobody holds it at level 3: after `technicien`
earns the certification, the dispatcher's query for the category must rank her first, with the
certification as the reason. Idempotent: a second call returns the same objects."""
from __future__ import annotations

from django.db.models import Max

from academy.models import Staff
from academy.sites import default_site_fields

COURSE_TITLE = "Imprimantes réseau : du diagnostic à la résolution"
LESSON_TITLES = ("Comprendre la file d'impression", "Résoudre un bourrage logique")
EXAM_SLUG = "preuve-imprimantes-reseau"
CERTIFICATION_CODE = "PREUVE-IMPR"
CATEGORY = "Poste de travail > Impression réseau bloquée"
QUESTION_TEXT = "Quel service Windows faut-il redémarrer quand la file d'impression est bloquée ?"
RIGHT_ANSWER = "Spouleur d'impression"
CERT_LEVEL = 3


def _skill_nobody_holds(technicien: Staff):
    """An active skill no one holds at CERT_LEVEL or above (technicien included), preferably in
    the workstation domain; a dedicated one when the catalogue has none."""
    from skills.models import Domain, Skill, SkillLevel

    top = dict(SkillLevel.objects.values("skill_id").annotate(top=Max("level")).values_list("skill_id", "top"))
    candidates = Skill.objects.filter(active=True).select_related("domain").order_by("code")
    for preferred in (True, False):
        for skill in candidates:
            if (skill.domain.code == "PDT") != preferred:
                continue
            if top.get(skill.pk, 0) < CERT_LEVEL:
                return skill
    domain, _ = Domain.objects.get_or_create(code="PDT", defaults={"name_fr": "Poste de travail",
                                                                   "name_en": "Workstation"})
    skill, _ = Skill.objects.get_or_create(code="PDT.NETPRINT", defaults={
        "domain": domain, "name_fr": "Impression réseau", "name_en": "Network printing"})
    return skill


def build() -> dict:
    from wagtail.models import Page, Site

    from assessments.models import (
        Certification, CertificationExamRequirement, CertificationGrant, Choice, Exam, ExamGrant, ExamQuestion,
        Question,
    )
    from courses.models import CatalogueIndexPage, CoursePage, CourseSkill, LessonPage
    from routing_bridge.services import category_rules_import

    technicien = Staff.objects.select_related("user").get(user__username="technicien")
    existing = Certification.objects.filter(code=CERTIFICATION_CODE).first()
    if existing is not None:
        skill = existing.grants.get().skill
    else:
        skill = _skill_nobody_holds(technicien)

    # The catalogue: the courses demo's, or one created like an editor would.
    catalogue = CatalogueIndexPage.objects.first()
    if catalogue is None:
        root = Page.get_first_root_node()
        catalogue = root.add_child(instance=CatalogueIndexPage(title="Formations", slug="formations"))
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(root_page=catalogue, **default_site_fields())
        else:
            site.root_page = catalogue
            site.save()

    course = CoursePage.objects.filter(title=COURSE_TITLE).first()
    if course is None:
        course = CoursePage(
            title=COURSE_TITLE, slug="preuve-imprimantes-reseau", domain=skill.domain,
            summary="Diagnostiquer et débloquer une file d'impression réseau sans escalade.",
            objectives="<ul><li>Redémarrer le spouleur</li><li>Purger une file bloquée</li></ul>",
            duration_minutes=20, audience_tiers=["N1"], live=True,
        )
        catalogue.add_child(instance=course)
        CourseSkill.objects.create(page=course, skill=skill, level=2)
        for title in LESSON_TITLES:
            course.add_child(instance=LessonPage(
                title=title, live=True, estimated_minutes=5,
                body=[("rich_text", f"<p>{title} : la file d'impression passe par le spouleur.</p>")],
            ))

    exam = Exam.objects.filter(slug=EXAM_SLUG).first()
    if exam is None:
        question = Question.objects.create(code="PREUVE-IMPR-1", type="single", text=QUESTION_TEXT,
                                           explanation="Le spouleur gère la file d'impression.", difficulty=1,
                                           points=1)
        question.skills.set([skill])
        question.save()
        for i, (text, correct) in enumerate([("Pare-feu Windows", False), (RIGHT_ANSWER, True),
                                             ("Client DNS", False)]):
            Choice.objects.create(question=question, sort_order=i, text=text, is_correct=correct)
        exam = Exam.objects.create(
            title="Examen : imprimantes réseau", slug=EXAM_SLUG, course=course, pass_mark=70,
            shuffle_questions=False, shuffle_choices=False, feedback="full",
            description="Une question : le service à redémarrer.",
        )
        ExamQuestion.objects.create(exam=exam, question=question, sort_order=0)
        ExamGrant.objects.create(exam=exam, skill=skill, level=2)

    if existing is None:
        existing = Certification.objects.create(
            code=CERTIFICATION_CODE, name_fr="Impression réseau — niveau avancé",
            name_en="Network printing — advanced", domain=skill.domain, validity_months=24,
            renewal_window_days=90,
        )
        CertificationExamRequirement.objects.create(certification=existing, exam=exam, path="initial")
        CertificationGrant.objects.create(certification=existing, skill=skill, level=CERT_LEVEL)

    report = category_rules_import(content=(
        "category,required,optional,tiers,description\n"
        f"{CATEGORY},{skill.code}:{CERT_LEVEL},,N1;N2;N3,File d'impression réseau bloquée\n"))
    assert not report.errors, report.errors

    return {
        "skill_code": skill.code, "skill_name": skill.name_fr, "course_id": course.pk, "course_url": course.url,
        "exam_slug": exam.slug, "certification_code": existing.code, "certification_name": existing.name_fr,
        "category": CATEGORY, "technicien_employee_id": technicien.employee_id,
    }
