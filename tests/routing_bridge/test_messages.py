"""The API's error messages follow the language negotiated by Accept-Language (French by default)."""
from tests.routing_bridge.conftest import BASE


def test_errors_are_in_french_by_default_and_in_english_when_asked(client, router, skills):
    assert client.get(BASE + "taxonomy").json()["detail"].startswith("Jeton absent, inconnu ou révoqué")
    english = client.get(BASE + "taxonomy", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert english == "Missing, unknown or revoked token: send “Authorization: Bearer <token>”."
    body = {"required": [{"skill": "NOPE.X", "min_level": 2}]}
    assert router.post("qualified", body).json()["detail"] == "Compétences inconnues : NOPE.X"
    assert router.post("qualified", body, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Unknown skills: NOPE.X"
    out_of_scale = {"required": [{"skill": "AD.GPO", "min_level": 9}]}
    answer = router.post("qualified", out_of_scale, HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["detail"] == "Minimum level outside the scale."
    assert answer["errors"][0]["message"].startswith("Level 9 is not on the scale")
    assert router.get("staff/NOBODY", HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Unknown staff member: NOBODY"
    assert router.get("staff", {"cursor": "%%%"}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"].startswith(
        "Invalid cursor")


def test_the_dispatcher_form_level_labels_are_translated():
    """They are the scale's own labels (editable, bilingual), in the active language."""
    from django.utils import translation

    from routing_bridge.forms import QualifiedForm

    def level_choices():
        return QualifiedForm().fields["req1_level"].choices

    with translation.override("en"):
        assert [str(label) for _level, label in level_choices()][0] == "1 — Awareness"
    with translation.override("fr"):
        assert str(level_choices()[1][1]) == "2 — Opérationnel"
