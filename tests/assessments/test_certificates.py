"""Certificates: the PDF (its text holds the holder's name), the Open Badges credential, the
public verification page (valid, expired, revoked; no personal data beyond the name), and who
may download what."""
import io
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from pypdf import PdfReader

from assessments.certificates import certificate_pdf
from assessments.services import award_create, award_revoke
from tests.assessments.factories import certification_create, workstation_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(learner):
    return workstation_award(learner)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_holds_the_name_the_certification_the_dates_and_the_code(award):
    text = pdf_text(certificate_pdf(award=award, language="fr"))
    assert "Léa Martin" in text
    assert "Certification Poste de travail N1" in text
    assert award.code in text
    with translation.override("fr"):
        assert date_format(award.last_valid_day, "DATE_FORMAT") in text  # the site's one date style
    assert f"/certificats/verifier/{award.code}/" in text


def test_the_pdf_exists_in_english(award):
    text = pdf_text(certificate_pdf(award=award, language="en"))
    assert "Léa Martin" in text and "Workstation L1 certification" in text and "Verification code" in text


def test_the_pdf_carries_a_qr_code_image(award):
    reader = PdfReader(io.BytesIO(certificate_pdf(award=award)))
    assert len(reader.pages[0].images) == 1


class TestDownload:
    def url(self, award, lang="fr"):
        return reverse("assessments:award_pdf", args=[award.code]) + f"?lang={lang}"

    def test_the_holder_their_lead_and_an_admin_may_download(self, award, learner, lead, admin_user):
        for user in (learner.user, lead.user, admin_user):
            client = Client()
            client.force_login(user)
            response = client.get(self.url(award))
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert "Léa Martin" in pdf_text(response.content)

    def test_another_lead_or_an_outsider_may_not(self, award, other_lead, outsider):
        for user in (other_lead.user, outsider.user):
            client = Client()
            client.force_login(user)
            assert client.get(self.url(award)).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_login(self, award):
        response = Client().get(self.url(award))
        assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_an_unknown_language_is_a_400(self, award, learner):
        client = Client()
        client.force_login(learner.user)
        assert client.get(self.url(award, "de")).status_code == 400

    def test_a_revoked_certificate_is_gone(self, award, learner, admin_user):
        award_revoke(award=award, by=admin_user, reason="Erreur")
        client = Client()
        client.force_login(learner.user)
        assert client.get(self.url(award)).status_code == 410


class TestVerificationPage:
    def page(self, code):
        return Client().get(reverse("assessments:verify", args=[code]))

    def test_a_valid_certificate_shows_the_name_and_certification_only(self, award, learner):
        response = self.page(award.code)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Certificat valide" in html and "Léa Martin" in html and "Certification Poste de travail N1" in html
        for private in ("lea.martin@example.test", "E10001", "Support N1 Paris", "lea", "technician"):
            assert private not in html.replace("Léa", "")

    def test_an_expired_certificate_says_expired(self, award, clock):
        clock.set(award.valid_until + timedelta(seconds=1))
        assert "Certificat expiré" in self.page(award.code).content.decode()

    def test_a_revoked_certificate_says_revoked(self, award, admin_user):
        award_revoke(award=award, by=admin_user, reason="Fraude")
        html = self.page(award.code).content.decode()
        assert "Certificat révoqué" in html and "Fraude" not in html  # the reason is not public

    def test_an_unknown_code_is_a_404_with_a_message(self, db):
        response = self.page("ABCD-EFGH-JKLM")
        assert response.status_code == 404 and "Aucun certificat" in response.content.decode()

    def test_the_form_accepts_a_typed_code_in_lower_case(self, award):
        response = Client().get(reverse("assessments:verify_form"), {"code": award.code.lower()})
        assert "Certificat valide" in response.content.decode()


def test_the_open_badge_credential_follows_open_badges_3(award):
    response = Client().get(reverse("assessments:badge", args=[award.code]))
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in data["@context"]
    assert data["credentialSubject"]["achievement"]["name"] == "Certification Poste de travail N1"
    assert datetime.fromisoformat(data["validUntil"]) == award.valid_until
    identity = data["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True and identity["identityHash"].startswith("sha256$")
    assert "lea.martin@example.test" not in response.content.decode()


def test_only_an_admin_may_revoke_and_a_reason_is_required(award, lead, admin_user):
    url = reverse("assessments:award_revoke", args=[award.code])
    marc = Client()
    marc.force_login(lead.user)
    assert marc.post(url, {"reason": "Non"}).status_code == 403
    admin = Client()
    admin.force_login(admin_user)
    assert admin.post(url, {"reason": ""}).status_code == 400
    response = admin.post(url, {"reason": "Certification obtenue par erreur"})
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.revoked_at is not None and award.revoked_by == admin_user


def test_my_certifications_lists_the_award_with_its_links(award, learner):
    client = Client()
    client.force_login(learner.user)
    html = client.get(reverse("assessments:my_certifications")).content.decode()
    assert "Certification Poste de travail N1" in html and award.code in html
    assert reverse("assessments:award_pdf", args=[award.code]) in html


def test_the_team_page_shows_a_lead_their_team_certifications_only(award, lead, other_lead):
    marc, sophie = Client(), Client()
    marc.force_login(lead.user)
    sophie.force_login(other_lead.user)
    url = reverse("assessments:team_certifications")
    assert "Certification Poste de travail N1" in marc.get(url).content.decode()
    html = sophie.get(url).content.decode()
    assert "Certification Poste de travail N1" not in html and "Aucune certification" in html


def test_certificates_for_staff_gives_links_for_my_learning(award, learner):
    from assessments.selectors import certificates_for_staff

    [link] = certificates_for_staff(staff=learner)
    assert str(link).startswith("Certification Poste de travail N1 — valable jusqu'au ")
    assert link.get_absolute_url().endswith(f"#award-{award.code}")


def test_a_name_beyond_latin_1_prints_in_the_pdf(award, learner):
    learner.user.first_name, learner.user.last_name = "Łucja", "Nguyễn"
    learner.user.save()
    award.staff.refresh_from_db()
    text = pdf_text(certificate_pdf(award=award))
    assert "Łucja Nguyễn" in text


def test_the_certificates_of_my_learning_cost_one_query_however_many_she_holds(award, learner,
                                                                               django_assert_num_queries):
    from assessments.selectors import certificates_for_staff

    for code in ("PDT-N2", "PDT-N3"):
        award_create(certification=certification_create(domain=award.certification.domain, code=code),
                     staff=learner)
    with django_assert_num_queries(1):
        links = certificates_for_staff(staff=learner)
    assert len(links) == 3
