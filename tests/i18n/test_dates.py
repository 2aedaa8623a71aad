"""One date style for the whole site, per language: "12 décembre 2026" and "12 décembre 2026 à
14:05" in French, "December 12, 2026" and "December 12, 2026 at 14:05" in English. The formats
live in academy/formats; templates and Python code only name them."""
import datetime
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from courses import services
from tests.courses.factories import course_create, lesson_create

NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT", "c"}
DATE_FILTER = re.compile(r"""\|date(?::(?:"([^"]*)"|'([^']*)'))?""")
APPS = ["academy", "assessments", "courses", "knowledge", "routing_bridge", "skills"]


def test_french_dates_read_day_month_year_with_the_month_in_words():
    with translation.override("fr"):
        assert date_format(datetime.date(2026, 12, 12), "DATE_FORMAT") == "12 décembre 2026"
        assert date_format(datetime.datetime(2026, 12, 12, 14, 5), "DATETIME_FORMAT") == "12 décembre 2026 à 14:05"


def test_english_dates_stay_english():
    with translation.override("en"):
        assert date_format(datetime.date(2026, 12, 12), "DATE_FORMAT") == "December 12, 2026"
        assert date_format(datetime.datetime(2026, 12, 12, 14, 5), "DATETIME_FORMAT") == "December 12, 2026 at 14:05"


def test_every_template_names_one_of_the_site_formats():
    spelled = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for template in Path(directory).rglob("*.html"):
            for match in DATE_FILTER.finditer(template.read_text(encoding="utf-8")):
                fmt = match.group(1) if match.group(1) is not None else match.group(2)
                if fmt not in NAMED:
                    spelled.append(f"{template.relative_to(settings.BASE_DIR)}: {match.group(0)}")
    assert not spelled, spelled


def test_python_code_formats_dates_through_the_site_formats():
    spelled = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            spelled += [f"{path.relative_to(settings.BASE_DIR)}: {m}"
                        for m in re.findall(r"strftime\(\"%d[^\"]*\"\)|SHORT_DATE(?:TIME)?_FORMAT", text)]
    assert not spelled, spelled


def test_a_validity_ending_at_midnight_covers_the_day_before():
    from academy.formats import last_valid_day

    tz = timezone.get_current_timezone()
    assert last_valid_day(datetime.datetime(2027, 2, 25, tzinfo=tz)) == datetime.date(2027, 2, 24)
    assert last_valid_day(datetime.datetime(2027, 2, 24, 0, 49, tzinfo=tz)) == datetime.date(2027, 2, 24)
    assert last_valid_day(None) is None


def _assigned_course(learner, lead):
    course = course_create(title="Sécuriser Exchange Online")
    lesson_create(parent=course, title="Authentification moderne")
    services.enrolment_create(staff=learner, course=course, source="path", assigned_by=lead.user,
                              due_on=datetime.date(2026, 12, 15))


def test_a_due_date_reads_in_french(client, learner, lead):
    _assigned_course(learner, lead)
    client.force_login(learner.user)
    html = client.get("/mes-formations/").content.decode()
    assert "15 décembre 2026" in html


def test_a_due_date_reads_in_english_for_an_english_reader(client, learner, lead):
    _assigned_course(learner, lead)
    client.force_login(learner.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/mes-formations/").content.decode()
    assert "December 15, 2026" in html and "15 December 2026" not in html
