"""Weak passwords are refused wherever a person chooses one: common ones (Django's list of
20,000, French favourites included) and all-digit ones."""
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

COMMON = "Ce mot de passe est trop courant."
NUMERIC = "Ce mot de passe est entièrement numérique."


@pytest.mark.parametrize("weak, reason", [
    ("password", COMMON), ("12345678", NUMERIC), ("azertyuiop", COMMON), ("motdepasse", COMMON),
    ("marseille", COMMON), ("8675309412", NUMERIC),
])
def test_the_password_change_form_refuses_a_weak_password(client, learner, weak, reason):
    client.force_login(learner.user)

    response = client.post("/accounts/password_change/", {
        "old_password": "academie", "new_password1": weak, "new_password2": weak})

    assert response.status_code == 200
    assert reason in html.unescape(response.content.decode())
    learner.user.refresh_from_db()
    assert learner.user.check_password("academie")


def test_the_password_change_form_accepts_a_strong_password(client, learner):
    client.force_login(learner.user)

    response = client.post("/accounts/password_change/", {
        "old_password": "academie", "new_password1": "Lanterne-verte-42", "new_password2": "Lanterne-verte-42"})

    assert response.status_code == 302
    learner.user.refresh_from_db()
    assert learner.user.check_password("Lanterne-verte-42")


def test_the_password_reset_refuses_a_weak_password(client, learner):
    client.post("/accounts/password_reset/", {"email": learner.user.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "azertyuiop", "new_password2": "azertyuiop"})

    assert response.status_code == 200 and COMMON in html.unescape(response.content.decode())
    learner.user.refresh_from_db()
    assert learner.user.check_password("academie")


def test_the_wagtail_admin_refuses_a_weak_password_for_a_new_account(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("wagtailusers_users:add"), {
        "username": "nouveau", "email": "nouveau@example.com", "first_name": "Nina", "last_name": "Roux",
        "password1": "12345678", "password2": "12345678"})

    assert response.status_code == 200 and NUMERIC in html.unescape(response.content.decode())
    assert not get_user_model().objects.filter(username="nouveau").exists()


def test_the_demo_password_is_still_accepted_by_the_validators():
    validate_password("academie")  # the announced demo password (seed_demo sets it directly)


def test_a_password_like_the_persons_name_is_still_refused(learner):
    with pytest.raises(ValidationError):
        validate_password("martin-lea", user=learner.user)
