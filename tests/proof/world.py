"""A small, complete world for the permission and escaping tests, built through the apps'
services: Léa's enrolment, attempts, certification, evidence and pending self-assessment; a path
of Marc's assigned to her and to his team; an editor; an Académie admin; a router client with
every scope; one row of every model the Wagtail admin shows (`admin_objects`, by model label)."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group

from academy import roles
from tests.factories import SkillFactory, UserFactory


@dataclass
class World:
    learner: object
    outsider: object
    lead: object
    other_lead: object
    editor: object
    admin: object
    token: str
    course: object
    lesson: object
    exam: object
    open_attempt: object
    done_attempt: object
    award: object
    evidence: object
    self_assessment: object
    path: object | None
    step: object | None
    assignment: object | None
    rule: object | None
    skill: object
    admin_objects: dict


def _admin_objects(*, learner, other_lead, skill, question, exam, certification, router_client, path, rule,
                   assignment, team) -> dict:
    """One row of each model registered in the Wagtail admin, by model label."""
    from django.utils import timezone

    from academy.services import event_publish
    from learning_records.models import LrsEndpoint
    from learning_records.services import api_client_create
    from routing_bridge.models import Availability, CategoryRule, Connector, RoutedTicket, TicketFeedback, WebhookDelivery
    from skills.models import ProficiencyLevel, RoleProfile

    from academy.clients import client_create

    api_client, _secret = api_client_create(name="Lecteur xAPI", username="lecteur-xapi")
    # Sophie (a lead of another team) refers it: Léa, a learner, is neither referent nor backup.
    client_company = client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=other_lead)
    objects = {
        "academy.client": client_company,
        "academy.staff": learner, "academy.team": team,
        "skills.skill": skill, "skills.domain": skill.domain,
        "skills.roleprofile": RoleProfile.objects.create(name="Technicien N1", profile="technician", tier="N1"),
        "skills.proficiencylevel": ProficiencyLevel.objects.get_or_create(
            level=1, defaults={"label_fr": "Notions", "label_en": "Awareness"})[0],
        "assessments.question": question, "assessments.exam": exam, "assessments.certification": certification,
        "paths.trainingpath": path, "paths.pathrule": rule, "paths.pathassignment": assignment,
        "xapi.lrsendpoint": LrsEndpoint.objects.create(name="LRS de test", url="https://lrs.example.test/xapi/"),
        "xapi.apiclient": api_client,
        "routing_bridge.routerclient": router_client,
        "routing_bridge.categoryrule": CategoryRule.objects.create(category="Imprimantes"),
        "routing_bridge.webhookdelivery": WebhookDelivery.objects.create(
            client=router_client, event=event_publish(type="staff.updated", data={}), position=1),
        "routing_bridge.ticketfeedback": TicketFeedback.objects.create(
            router=router_client, ticket_id="T-42", category="Imprimantes", staff=learner, outcome="resolved",
            occurred_at=timezone.now()),
        "routing_bridge.availability": Availability.objects.create(
            staff=learner, available=False, open_tickets=2, reported_by=router_client),
    }
    connector = Connector.objects.create(router=router_client, name="RT du support", base_url="https://rt.example.com",
                                         username="academie", queues=["Support"])
    objects["routing_bridge.connector"] = connector
    objects["routing_bridge.routedticket"] = RoutedTicket.objects.create(
        connector=connector, key="tx-1", ticket_id="42", subject="VPN KO", category="Imprimantes")
    # The knowledge base: its index, a solution, a procedure for everyone and one restricted to the
    # client (pages, not admin rows: the matrix reads them as `knowledge.*`).
    from tests.knowledge.builders import kb_create, procedure_create, solution_create

    solution = solution_create(index=kb_create(), title="Exchange Online", domain=skill.domain, skills=[skill])
    objects["knowledge.procedure"] = procedure_create(solution=solution, title="Débloquer une boîte aux lettres",
                                                      categories=["Imprimantes"], skills=[skill])
    objects["knowledge.restricted"] = procedure_create(solution=solution, title="Tunnel IPsec du magasin",
                                                       categories=["Imprimantes"], client=client_company)
    return objects


def _exam_pass(exam, staff, right_key):
    from assessments import services
    from assessments.models import AttemptQuestion

    attempt = services.attempt_start(exam=exam, staff=staff)
    services.attempt_answers_save(attempt=attempt, responses={
        row.question_id: {"choice": right_key} for row in AttemptQuestion.objects.filter(attempt=attempt)})
    attempt, _ = services.attempt_submit(attempt=attempt)
    return attempt


def build(*, learner, outsider, lead, other_lead) -> World:
    from assessments import services as assessment_services
    from assessments.models import (
        Award, Certification, CertificationExamRequirement, CertificationGrant, Choice, Exam, ExamQuestion, Question,
    )
    from courses.services import enrolment_create
    from routing_bridge.services import router_client_create
    from routing_bridge.models import SCOPES
    from skills.services import manager_evidence_record, self_assessment_submit
    from tests.courses.factories import course_create, lesson_create

    roles.roles_sync()
    for persona in (learner, outsider, lead, other_lead):
        persona.user.groups.add(Group.objects.get(name=roles.LEARNER))
    for persona in (lead, other_lead):
        persona.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    editor = UserFactory(username="emilie", first_name="Émilie", last_name="Rousseau", is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    admin = UserFactory(username="adele", first_name="Adèle", last_name="Garnier")
    admin.groups.add(Group.objects.get(name=roles.ACADEMIE_ADMIN))

    skill = SkillFactory(code="AD.GPO", name_fr="Stratégies de groupe")
    course = course_create(title="Diagnostiquer une GPO", domain=skill.domain, skills=[(skill, 2)])
    lesson = lesson_create(parent=course, title="Lire un rapport gpresult")
    enrolment_create(staff=learner, course=course, source="self")

    question = Question.objects.create(code="MATRIX-Q1", type="single", text="Commande ?", difficulty=1, points=1)
    question.skills.set([skill])
    question.save()
    for i, (text, correct) in enumerate([("gpupdate", True), ("ipconfig", False)]):
        Choice.objects.create(question=question, sort_order=i, text=text, is_correct=correct)
    exam = Exam.objects.create(title="Examen GPO", slug="examen-gpo", course=course, pass_mark=50,
                               shuffle_questions=False, shuffle_choices=False, feedback="full")
    ExamQuestion.objects.create(exam=exam, question=question, sort_order=0)
    certification = Certification.objects.create(code="GPO-CERT", name_fr="GPO", domain=skill.domain)
    CertificationExamRequirement.objects.create(certification=certification, exam=exam, path="initial")
    CertificationGrant.objects.create(certification=certification, skill=skill, level=3)

    from assessments import grading
    from assessments.models import AttemptQuestion

    probe = assessment_services.attempt_start(exam=exam, staff=learner)
    spec = grading.public_view(AttemptQuestion.objects.filter(attempt=probe).first().spec)
    right_key = next(o["key"] for o in spec["options"] if o["text"] == "gpupdate")
    assessment_services.attempt_answers_save(attempt=probe, responses={question.pk: {"choice": right_key}})
    done_attempt, _ = assessment_services.attempt_submit(attempt=probe)
    award = Award.objects.filter(staff=learner, certification=certification).first() or \
        assessment_services.award_create(certification=certification, staff=learner)
    open_attempt = assessment_services.attempt_start(exam=exam, staff=learner)

    other_skill = SkillFactory(code="M365.EXO", name_fr="Exchange Online", domain=skill.domain)
    evidence = manager_evidence_record(staff=learner, skill=other_skill, level=2, by=lead.user)
    self_assessment = self_assessment_submit(staff=learner, skill=skill, level=4, comment="Je gère les GPO.")

    client = router_client_create(name="Routeur GLPI", scopes=list(SCOPES))

    path = step = assignment = rule = None
    try:
        from courses.paths import services as path_services
    except ImportError:  # courses.paths not there yet
        path_services = None
    if path_services is not None:
        path = path_services.path_create(name="Parcours GPO", by=lead.user)
        step = path_services.path_step_add(path=path, by=lead.user, kind="course", course=course)
        assignment = path_services.assignment_create(path=path, staff=learner, by=lead.user)
        rule, _ = path_services.assignment_rule_create(path=path, by=lead.user, team=lead.team)

    admin_objects = _admin_objects(
        learner=learner, other_lead=other_lead, skill=skill, question=question, exam=exam, certification=certification,
        router_client=client.client, path=path, rule=rule, assignment=assignment, team=lead.team)
    return World(learner=learner, outsider=outsider, lead=lead, other_lead=other_lead, editor=editor, admin=admin,
                 admin_objects=admin_objects, token=client.token, course=course, lesson=lesson, exam=exam, open_attempt=open_attempt,
                 done_attempt=done_attempt, award=award, evidence=evidence, self_assessment=self_assessment,
                 path=path, step=step, assignment=assignment, rule=rule, skill=skill)
