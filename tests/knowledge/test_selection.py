"""Which documents serve a ticket (knowledge.selectors.procedures_for_ticket): the nearest category
first, the ticket's client's own before general ones, skill-only matches last, and a client's
documents never shown for another client's ticket."""
from knowledge.selectors import procedures_for_ticket


def titles(documents):
    return [d.title for d in documents]


def test_the_exact_category_comes_before_its_parent(kb):
    found = procedures_for_ticket(category="Messagerie > Boîte aux lettres", skill_codes=[])
    assert titles(found) == ["Donner accès à une boîte aux lettres partagée", "Standard des boîtes aux lettres",
                             "Tracer un message non reçu"]


def test_a_sub_category_inherits_its_ancestors_documents(kb):
    found = procedures_for_ticket(category="messagerie>boîte aux lettres > Partage", skill_codes=[])
    assert "Tracer un message non reçu" in titles(found)


def test_documents_matched_by_skill_only_come_last(kb):
    found = procedures_for_ticket(category="Active Directory > Compte verrouillé", skill_codes=["MSG.FLOW"])
    assert titles(found) == ["Déverrouiller un compte", "Tracer un message non reçu"]


def test_a_client_document_is_never_shown_for_another_clients_ticket(kb, clients):
    for client in (None, clients["VASSEUR"]):
        found = procedures_for_ticket(category="Active Directory > Compte verrouillé", skill_codes=[], client=client)
        assert titles(found) == ["Déverrouiller un compte"]


def test_the_clients_own_document_comes_first_for_its_ticket(kb, clients):
    found = procedures_for_ticket(category="Active Directory > Compte verrouillé", skill_codes=[],
                                  client=clients["BLEMOINE"])
    assert titles(found) == ["Déverrouiller un compte chez Lemoine", "Déverrouiller un compte"]


def test_a_standard_with_a_deviation_for_the_client_comes_before_general_documents(kb, clients):
    found = procedures_for_ticket(category="Messagerie > Boîte aux lettres", skill_codes=[],
                                  client=clients["VASSEUR"])
    assert titles(found)[0] == "Standard des boîtes aux lettres"


def test_an_unpublished_document_is_not_handed_over(kb):
    kb["shared"].unpublish()
    found = procedures_for_ticket(category="Messagerie > Boîte aux lettres", skill_codes=[])
    assert "Donner accès à une boîte aux lettres partagée" not in titles(found)


def test_a_document_published_after_a_first_answer_is_seen_at_once(kb):
    from tests.knowledge.builders import procedure_create

    procedures_for_ticket(category="Messagerie", skill_codes=[])  # the process keeps its copy
    procedure_create(solution=kb["exo"], title="Nouvelle procédure", categories=["Messagerie"])
    assert "Nouvelle procédure" in titles(procedures_for_ticket(category="Messagerie", skill_codes=[]))


def test_review_due_says_whether_the_review_date_has_passed(kb):
    found = {d.title: d.review_due for d in procedures_for_ticket(category="Messagerie > Boîte aux lettres",
                                                                   skill_codes=[])}
    assert found["Tracer un message non reçu"] is True
    assert found["Donner accès à une boîte aux lettres partagée"] is False


def test_another_process_publication_is_seen_once_the_check_interval_has_passed(kb, monkeypatch):
    from django.db.models import F

    from knowledge import selectors
    from knowledge.models import KnowledgeDocumentPage, KnowledgeVersion

    category = "Messagerie > Boîte aux lettres"
    assert "Donner accès à une boîte aux lettres partagée" in titles(procedures_for_ticket(category=category))
    # Another process unpublished it: the rows and the version moved, this process's copy stayed.
    KnowledgeDocumentPage.objects.filter(pk=kb["shared"].pk).update(live=False)
    KnowledgeVersion.objects.filter(pk=1).update(value=F("value") + 1)
    assert "Donner accès à une boîte aux lettres partagée" in titles(procedures_for_ticket(category=category))
    monkeypatch.setattr(selectors, "_catalogue_checked_at", 0.0)  # a second later
    assert "Donner accès à une boîte aux lettres partagée" not in titles(procedures_for_ticket(category=category))
