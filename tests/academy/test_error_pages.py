"""The error pages a person meets: in French, in the site's layout, with the reason when there is
one and a way back home; the 500 page renders without the request or the database; the Wagtail
admin keeps its own 404."""
import pytest
from django.template.loader import render_to_string
from django.test import Client

SITE_LAYOUT = 'class="site-header"'
HOME_LINK = "Retour à l'accueil"


def test_a_learner_opening_the_team_page_reads_why_in_french_in_the_sites_layout(client, learner):
    client.force_login(learner.user)
    response = client.get("/equipe/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Forbidden" not in page
    assert "Accès refusé" in page
    assert "Cette page est réservée aux responsables d&#x27;équipe." in page
    assert SITE_LAYOUT in page and 'aria-label="Navigation principale"' in page
    assert HOME_LINK in page and 'href="/"' in page


def test_a_learner_opening_the_dispatchers_pages_reads_why(client, learner):
    client.force_login(learner.user)
    for url, reason in (("/qui-est-qualifie/", "réservée aux répartiteurs"),
                        ("/qui-est-qualifie/report/", "réservé aux responsables d&#x27;équipe")):
        response = client.get(url)
        assert response.status_code == 403, url
        assert reason in response.content.decode(), url


def test_the_paths_pages_refuse_with_the_same_page(client, learner):
    client.force_login(learner.user)
    response = client.get("/equipe/parcours/")
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "403.html"
    assert "Cette page est réservée aux responsables d&#x27;équipe." in response.content.decode()


def test_a_refusal_without_a_reason_says_so_in_french(rf, learner):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/quelque-part/")
    request.user = learner.user
    page = permission_denied(request, PermissionDenied()).content.decode()
    assert "Vous n'avez pas accès à cette page." in page


@pytest.mark.django_db
def test_an_unknown_address_is_a_french_404_in_the_sites_layout(client, learner):
    for url in ("/nulle-part/", "/formations/nulle-part/"):
        response = Client().get(url)  # anonymous
        assert response.status_code == 404, url
        page = response.content.decode()
        assert "Page introuvable" in page and SITE_LAYOUT in page and HOME_LINK in page, url
        assert "Not Found" not in page
    client.force_login(learner.user)
    page = client.get("/nulle-part/").content.decode()
    assert "Page introuvable" in page and 'aria-label="Navigation principale"' in page


def test_a_view_that_fails_gives_the_french_500_page(client, learner, monkeypatch):
    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr("workspace.views.staff_for_user", broken)
    client.force_login(learner.user)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Erreur du serveur" in page and HOME_LINK in page
    assert "Server Error" not in page and "boom" not in page


def test_the_500_page_needs_neither_a_request_nor_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "Erreur du serveur" in page and 'href="/"' in page
    assert "/static/" not in page  # no manifest lookup: a missing entry must not fail the 500 page


def test_a_form_posted_without_its_csrf_token_gets_a_french_explanation(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulaire expiré" in page and SITE_LAYOUT in page and HOME_LINK in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_a_bad_request_is_a_french_400(client):
    response = client.get("/", HTTP_HOST="pas-chez-nous.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Requête incorrecte" in page and SITE_LAYOUT in page


def test_the_wagtail_admin_keeps_its_own_404(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/nulle-part/")
    assert response.status_code == 404
    assert "wagtailadmin/404.html" in [t.name for t in response.templates]
    assert SITE_LAYOUT not in response.content.decode()
