"""The knowledge base's pages: each page type for signed-in staff, the "à revoir" mark wherever a
document is shown, a client's deviations, reading recorded as a learning event, the search page."""
import pytest

from knowledge.services import document_read_record
from learning_records.models import Statement


@pytest.fixture
def lea(client, learner):
    client.force_login(learner.user)
    return client


def test_each_page_type_is_served_under_connaissances(lea, kb):
    assert kb["index"].url == "/connaissances/"
    assert kb["shared"].url.startswith("/connaissances/exchange-online/donner-acc")
    assert kb["exo"].url == "/connaissances/exchange-online/"
    for key in ("index", "exo", "shared", "standard"):
        response = lea.get(kb[key].url)
        assert response.status_code == 200, key
        assert kb[key].title in response.content.decode()


def test_a_procedure_shows_its_steps_commands_verification_and_tier(lea, kb):
    html = lea.get(kb["shared"].url).content.decode()
    assert "Connect-ExchangeOnline" in html and "Vérification" in html and "Retour arrière" in html
    assert "dès N1" in html


def test_a_standard_shows_its_settings_checks_and_client_deviations(lea, kb):
    html = lea.get(kb["standard"].url + "?client=VASSEUR").content.decode()
    assert "RetainDeletedItemsFor" in html and "30.00:00:00" in html
    assert "14.00:00:00" in html and "Politique de conservation du cabinet." in html
    assert 'class="kb-asked"' in html
    assert "Get-OrganizationConfig" in html


def test_a_document_past_its_review_date_is_marked_on_its_page_its_solution_and_the_search(lea, kb):
    for url in (kb["trace"].url, kb["exo"].url, "/connaissances/recherche/?q=message"):
        assert "à revoir" in lea.get(url).content.decode(), url
    assert "à revoir" not in lea.get(kb["shared"].url).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, kb):
    for url in (kb["shared"].url, "/connaissances/", "/connaissances/recherche/?q=boite"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_an_unknown_or_unpublished_document_is_a_404(lea, kb):
    assert lea.get("/connaissances/exchange-online/inconnue/").status_code == 404
    kb["exo"].unpublish()
    assert lea.get(kb["shared"].url).status_code == 404


def test_reading_a_document_records_one_experienced_statement_a_day(lea, learner, kb, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        lea.get(kb["shared"].url)
        lea.get(kb["shared"].url)
    statements = Statement.objects.filter(verb__endswith="/experienced")
    assert statements.count() == 1
    assert statements.get().activity_id.endswith(f"/xapi/activities/procedure/{kb['shared'].pk}")


def test_a_user_without_a_staff_record_reads_without_a_statement(dispatcher, kb):
    assert document_read_record(user=dispatcher, document=kb["shared"]) is False


def test_the_search_page_filters_and_paginates(lea, kb):
    html = lea.get("/connaissances/recherche/?skill=AD.ACCOUNTS").content.decode()
    assert "Déverrouiller un compte" in html and "chez Lemoine" not in html
    html = lea.get("/connaissances/recherche/?skill=AD.ACCOUNTS&client=BLEMOINE").content.decode()
    assert "Déverrouiller un compte chez Lemoine" in html
    html = lea.get("/connaissances/recherche/?q=introuvablexyz").content.decode()
    assert "Aucun document ne correspond" in html
    html = lea.get("/connaissances/recherche/?client=NOPE&q=compte").content.decode()
    assert "Client inconnu" in html


def test_the_header_has_a_search_box_for_signed_in_staff(lea, kb):
    assert 'id="header-kb-q"' in lea.get("/connaissances/").content.decode()


def test_a_course_lists_the_documents_of_its_skills(lea, kb, kb_skills):
    from tests.courses.factories import course_create

    course = course_create(title="Exchange au quotidien", domain=kb_skills["M365.EXO"].domain,
                           skills=[(kb_skills["M365.EXO"], 2)])
    html = lea.get(course.url).content.decode()
    assert "Donner accès à une boîte aux lettres partagée" in html and "Procédures et standards" in html


def test_a_lesson_embeds_a_procedure_from_its_one_source(lea, learner, kb, kb_skills):
    from courses.services import enrolment_create
    from tests.courses.factories import course_create, lesson_create

    course = course_create(title="Exchange au quotidien", domain=kb_skills["M365.EXO"].domain)
    lesson = lesson_create(parent=course, title="Les boîtes partagées", body=[
        ("knowledge_procedure", {"procedure": kb["shared"], "intro": "Suivez la procédure :"})])
    enrolment_create(staff=learner, course=course)
    html = lea.get(lesson.url).content.decode()
    assert "Suivez la procédure" in html and "Connect-ExchangeOnline" in html
    assert kb["shared"].url in html
