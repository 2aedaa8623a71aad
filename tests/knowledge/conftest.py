"""The knowledge base's world: an index, Exchange Online and Active Directory with their documents,
two clients. Personas: Léa the technician (learner), Denis the dispatcher, Émilie the editor,
Étienne the expert."""
import pytest
from django.contrib.auth.models import Group

from academy.clients import client_create
from academy.roles import CONTENT_EDITOR, DISPATCHER, KNOWLEDGE_EXPERT, roles_sync
from knowledge.selectors import catalogue_forget
from tests.factories import DomainFactory, SkillFactory, StaffFactory, UserFactory
from tests.knowledge.builders import kb_create, procedure_create, solution_create, standard_create


@pytest.fixture(autouse=True)
def _fresh_catalogue():
    catalogue_forget()
    yield
    catalogue_forget()


@pytest.fixture
def roles(db):
    roles_sync()
    return {name: Group.objects.get(name=name) for name in (CONTENT_EDITOR, DISPATCHER, KNOWLEDGE_EXPERT)}


@pytest.fixture
def kb_skills(db):
    m365 = DomainFactory(code="M365", name_fr="Microsoft 365")
    ad = DomainFactory(code="AD", name_fr="Active Directory")
    return {
        "M365.EXO": SkillFactory(code="M365.EXO", domain=m365, name_fr="Exchange Online"),
        "MSG.FLOW": SkillFactory(code="MSG.FLOW", domain=m365, name_fr="Flux de messagerie"),
        "AD.ACCOUNTS": SkillFactory(code="AD.ACCOUNTS", domain=ad, name_fr="Comptes"),
    }


@pytest.fixture
def clients(lead, other_lead):
    return {"BLEMOINE": client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=lead),
            "VASSEUR": client_create(code="VASSEUR", name="Cabinet Vasseur", referent=other_lead)}


@pytest.fixture
def expert(roles):
    user = UserFactory(username="etienne", first_name="Étienne", last_name="Blanc")
    StaffFactory(user=user, employee_id="E30001", profile="engineer", tier="N3")
    user.groups.add(roles[KNOWLEDGE_EXPERT], roles[CONTENT_EDITOR])
    return user


@pytest.fixture
def editor(roles):
    user = UserFactory(username="emilie", first_name="Émilie", last_name="Rousseau")
    user.groups.add(roles[CONTENT_EDITOR])
    return user


@pytest.fixture
def dispatcher(roles):
    user = UserFactory(username="denis", first_name="Denis", last_name="Garnier")
    user.groups.add(roles[DISPATCHER])
    return user


@pytest.fixture
def kb(db, roles, kb_skills, clients, expert):
    """Documents of two solutions: general ones, one restricted to BLEMOINE, a standard with a
    deviation for VASSEUR, and one past its review date."""
    index = kb_create()
    exo = solution_create(index=index, title="Exchange Online", domain=kb_skills["M365.EXO"].domain,
                          skills=[kb_skills["M365.EXO"]])
    ad = solution_create(index=index, title="Active Directory", domain=kb_skills["AD.ACCOUNTS"].domain)
    pages = {
        "index": index, "exo": exo, "ad": ad,
        "shared": procedure_create(solution=exo, title="Donner accès à une boîte aux lettres partagée",
                                   categories=["Messagerie > Boîte aux lettres"], skills=[kb_skills["M365.EXO"]],
                                   owner=expert,
                                   purpose="Accorder l'accès complet à une boîte partagée sur les serveurs Exchange."),
        "trace": procedure_create(solution=exo, title="Tracer un message non reçu", categories=["Messagerie"],
                                  skills=[kb_skills["MSG.FLOW"]], review_in_days=-10, owner=expert,
                                  purpose="Configuration du suivi des messages pour trouver où un message s'arrête."),
        "standard": standard_create(solution=exo, title="Standard des boîtes aux lettres",
                                    categories=["Messagerie > Boîte aux lettres"], skills=[kb_skills["M365.EXO"]],
                                    owner=expert, settings=[("RetainDeletedItemsFor", "30.00:00:00")],
                                    deviations=[(clients["VASSEUR"], "RetainDeletedItemsFor", "14.00:00:00",
                                                 "Politique de conservation du cabinet.")]),
        "unlock": procedure_create(solution=ad, title="Déverrouiller un compte chez Lemoine",
                                   categories=["Active Directory > Compte verrouillé"],
                                   skills=[kb_skills["AD.ACCOUNTS"]], client=clients["BLEMOINE"], owner=expert),
        "unlock_general": procedure_create(solution=ad, title="Déverrouiller un compte",
                                           categories=["Active Directory > Compte verrouillé"],
                                           skills=[kb_skills["AD.ACCOUNTS"]], owner=expert),
    }
    return pages
