"""Login, logout, password reset by e-mail, and the switch to English."""
import re

from django.core import mail
from django.http import HttpRequest


def test_staff_log_in_in_french_and_land_on_their_home(client, learner):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "Connexion" in page.content.decode() and 'lang="fr"' in page.content.decode()

    response = client.post("/accounts/login/", {"username": "lea", "password": "academie"}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "Bonjour Léa Martin" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, learner):
    response = client.post("/accounts/login/", {"username": "lea", "password": "mauvais"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in response.content.decode()


def test_a_deactivated_person_cannot_log_in(client, learner, admin_user):
    from academy.services import staff_deactivate

    staff_deactivate(staff=learner, by=admin_user, reason="Départ")

    assert not client.login(request=HttpRequest(), username="lea", password="academie")


def test_pages_require_login(client):
    response = client.get("/notifications/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_logout_ends_the_session(client, learner):
    client.force_login(learner.user)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_sends_an_email_with_a_working_link(client, learner):
    response = client.post("/accounts/password_reset/", {"email": learner.user.email})
    assert response.status_code == 302

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Nouveau-mot-2026", "new_password2": "Nouveau-mot-2026"})
    assert done.status_code == 302
    assert client.login(request=HttpRequest(), username="lea", password="Nouveau-mot-2026")


def test_the_language_switch_shows_the_site_in_english(client, learner):
    client.force_login(learner.user)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    page = response.content.decode()
    assert 'lang="en"' in page
    assert "Français" in page  # the switch back


def test_the_notifications_page_lists_them_and_marks_them_read(client, learner):
    from academy.services import notification_send

    notification_send(recipient=learner.user, kind="test", title="Parcours assigné", email=False)
    client.force_login(learner.user)

    page = client.get("/notifications/").content.decode()

    assert "Parcours assigné" in page
    assert not learner.user.notifications.filter(read_at=None).exists()


def test_an_empty_notifications_page_says_so(client, learner):
    client.force_login(learner.user)

    assert "Aucune notification" in client.get("/notifications/").content.decode()
