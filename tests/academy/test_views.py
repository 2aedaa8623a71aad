import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_every_page_names_the_icon_and_favicon_ico_leads_to_it(client):
    page = client.get("/accounts/login/")
    assert b'rel="icon" href="/static/img/favicon.svg"' in page.content

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
    icon = finders.find("img/favicon.svg")
    assert icon and open(icon, encoding="utf-8").read().startswith("<svg")
