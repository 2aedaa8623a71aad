"""Certificate documents: the PDF (ReportLab, with a segno QR code) and the Open Badges 3.0
credential of an award, as JSON and signed as a VC-JWT (assessments.badge_signing)."""
import hashlib
import io
import os
from datetime import timedelta
from datetime import timezone as dt_timezone

import reportlab
import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.formats import date_format
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from assessments.badge_signing import credential_sign, current_key_id
from assessments.models import Award

LANGUAGES = ("fr", "en")

TEXTS = {
    "fr": {
        "title": "Certificat",
        "intro": "L'Académie certifie que",
        "obtained": "a obtenu la certification",
        "domain": "Domaine",
        "awarded": "Délivrée le",
        "valid": "Valable du {start} au {end} inclus",
        "code": "Code de vérification",
        "verify": "Vérifier ce certificat :",
    },
    "en": {
        "title": "Certificate",
        "intro": "The Académie certifies that",
        "obtained": "has obtained the certification",
        "domain": "Domain",
        "awarded": "Awarded on",
        "valid": "Valid from {start} to {end} inclusive",
        "code": "Verification code",
        "verify": "Verify this certificate:",
    },
}


# Embedded TrueType fonts, so that any name prints (the PDF standard fonts stop at Latin-1):
# DejaVu Sans when the system has it, else Bitstream Vera, which ReportLab ships.
FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
]
_fonts: tuple[str, str] | None = None


def _fonts_registered() -> tuple[str, str]:
    global _fonts
    if _fonts is None:
        shipped = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
        candidates = FONT_CANDIDATES + [(os.path.join(shipped, "Vera.ttf"), os.path.join(shipped, "VeraBd.ttf"))]
        _fonts = ("Helvetica", "Helvetica-Bold")
        for regular, bold in candidates:
            if os.path.exists(regular) and os.path.exists(bold):
                pdfmetrics.registerFont(TTFont("CertSans", regular))
                pdfmetrics.registerFont(TTFont("CertSans-Bold", bold))
                _fonts = ("CertSans", "CertSans-Bold")
                break
    return _fonts


def _day(value, lang: str) -> str:
    """A day in the site's date style (academy/formats) of the certificate's language."""
    with translation.override(lang):
        return date_format(value, "DATE_FORMAT")


def _fit(text: str, font: str, size: float, max_width: float) -> float:
    """The font size (at most `size`, at least 9) at which `text` fits in `max_width`."""
    while size > 9 and stringWidth(text, font, size) > max_width:
        size -= 1
    return size


def verification_url(award: Award) -> str:
    return settings.ACADEMIE_SITE_URL + reverse("assessments:verify", args=[award.code])


def certificate_pdf(*, award: Award, language: str = "fr") -> bytes:
    """The certificate of `award` as a one-page A4 landscape PDF in French or English, with the
    holder's name, the certification, its dates, the verification code and a QR code to the
    public verification page."""
    lang = language if language in LANGUAGES else "fr"
    t = TEXTS[lang]
    cert = award.certification
    cert_name = cert.name_en if lang == "en" and cert.name_en else cert.name_fr
    domain = cert.domain.name_en if lang == "en" and cert.domain.name_en else cert.domain.name_fr
    first_day = timezone.localtime(award.valid_from).date()
    last_day = award.expires_on - timedelta(days=1)
    url = verification_url(award)

    regular, bold = _fonts_registered()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{t['title']} — {cert_name} — {award.staff.display_name}")
    pdf.setAuthor("Académie")
    pdf.setSubject(cert_name)

    pdf.setStrokeColor(colors.HexColor("#0b5cad"))
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)

    pdf.setFillColor(colors.HexColor("#084683"))
    pdf.setFont(bold, 34)
    pdf.drawCentredString(width / 2, height - 45 * mm, t["title"])
    pdf.setFillColor(colors.black)
    pdf.setFont(regular, 15)
    pdf.drawCentredString(width / 2, height - 62 * mm, t["intro"])
    pdf.setFont(bold, _fit(award.staff.display_name, bold, 26, width - 50 * mm))
    pdf.drawCentredString(width / 2, height - 78 * mm, award.staff.display_name)
    pdf.setFont(regular, 15)
    pdf.drawCentredString(width / 2, height - 92 * mm, t["obtained"])
    pdf.setFont(bold, _fit(cert_name, bold, 21, width - 50 * mm))
    pdf.drawCentredString(width / 2, height - 106 * mm, cert_name)
    pdf.setFont(regular, 12)
    pdf.drawCentredString(width / 2, height - 116 * mm, f"{t['domain']} : {domain}" if lang == "fr"
                          else f"{t['domain']}: {domain}")

    pdf.setFont(regular, 12)
    left = 25 * mm
    pdf.drawString(left, 50 * mm, f"{t['awarded']} {_day(timezone.localtime(award.awarded_at), lang)}")
    pdf.drawString(left, 43 * mm, t["valid"].format(start=_day(first_day, lang), end=_day(last_day, lang)))
    pdf.drawString(left, 36 * mm, f"{t['code']} : {award.code}" if lang == "fr" else f"{t['code']}: {award.code}")
    pdf.setFont(regular, 9)
    pdf.drawString(left, 27 * mm, f"{t['verify']} {url}")

    qr = segno.make(url, error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=6, border=2)
    png.seek(0)
    size = 40 * mm
    pdf.drawImage(ImageReader(png), width - 25 * mm - size, 22 * mm, size, size)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def open_badge_credential(*, award: Award) -> dict:
    """The award as an Open Badges 3.0 `OpenBadgeCredential`. As JSON it carries no proof (verifiers
    confirm it at the verification page); `open_badge_jwt` is the same credential signed. The issuer
    profile names the key that signs it (`assertionMethod`: the `kid`, a URL of the published JWK
    Set). The holder is identified by a salted hash of their e-mail address, as the specification
    allows, not by their address itself."""
    site = settings.ACADEMIE_SITE_URL
    cert = award.certification
    badge_url = site + reverse("assessments:badge", args=[award.code])
    subject = {"type": ["AchievementSubject"], "achievement": {
        "id": f"{site}{reverse('assessments:my_certifications')}#{cert.code}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": cert.name_fr,
        "description": cert.description or cert.name_fr,
        "criteria": {"narrative": _criteria_narrative(cert)},
        "tag": [cert.domain.code],
    }}
    email = (award.staff.user.email or "").strip().lower()
    if email:
        salt = award.code.replace("-", "")
        subject["identifier"] = [{
            "type": "IdentityObject", "identityType": "emailAddress", "hashed": True, "salt": salt,
            "identityHash": "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest(),
        }]
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": badge_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": cert.name_fr,
        "issuer": {"id": site + "/", "type": ["Profile"], "name": "Académie", "url": site + "/",
                   "assertionMethod": [current_key_id()]},
        "validFrom": _utc(award.valid_from),
        "validUntil": _utc(award.valid_until),
        "awardedDate": _utc(award.awarded_at),
        "credentialSubject": subject,
        "evidence": [{"id": verification_url(award), "type": ["Evidence"],
                      "name": "Page de vérification"}],
    }
    return credential


def open_badge_jwt(*, award: Award) -> str:
    """The credential of `open_badge_credential` as a VC-JWT (compact JWS, EdDSA): verifiable
    offline with the keys published at `assessments:badge_keys`."""
    return credential_sign(credential=open_badge_credential(award=award))


def _utc(value) -> str:
    return value.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


def _criteria_narrative(cert) -> str:
    parts = [f"Examen « {r.exam.title} »" for r in cert.exam_requirements.filter(path="initial").select_related("exam")]
    parts += [f"Formation « {r.course.title} »" for r in cert.course_requirements.filter(path="initial")
              .select_related("course")]
    parts += [f"Niveau {r.min_level} en {r.skill.code}" for r in cert.level_requirements.filter(path="initial")
              .select_related("skill")]
    return ("Exigences : " + " ; ".join(parts) + ".") if parts else "Délivrée par l'Académie."
