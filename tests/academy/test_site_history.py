"""Wagtail's site history lists every admin change to the objects of a model: for administrators
only. A lead may view staff (those of the teams they lead) and must not read there the history of
every team's staff (Wagtail refuses the report to them; these tests keep it so)."""
from wagtail.log_actions import log

HISTORY = "/admin/reports/site-history/"


def _outsider_edited(outsider, admin_user):
    log(instance=outsider, action="wagtail.edit", user=admin_user)


def test_a_lead_cannot_read_the_history_of_another_teams_staff(client, lead, outsider, admin_user):
    _outsider_edited(outsider, admin_user)
    client.force_login(lead.user)

    page = client.get(HISTORY, follow=True)
    results = client.get(HISTORY + "results/", follow=True)

    # Wagtail's admin answers a refusal by its login page, with its "no permission" message.
    assert page.redirect_chain and page.redirect_chain[0][1] == 302
    assert results.redirect_chain and results.redirect_chain[0][1] == 302
    assert str(outsider) not in page.content.decode() + results.content.decode()


def test_the_reports_menu_of_a_lead_has_no_site_history(client, lead):
    client.force_login(lead.user)

    assert HISTORY not in client.get("/admin/").content.decode()


def test_an_administrator_reads_the_site_history(client, outsider, admin_user):
    _outsider_edited(outsider, admin_user)
    client.force_login(admin_user)

    page = client.get(HISTORY)

    assert page.status_code == 200
    assert str(outsider) in page.content.decode()
    assert HISTORY in client.get("/admin/").content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(HISTORY)

    assert response.status_code == 302 and "login" in response["Location"]
