"""Benchmark of the course pages on PostgreSQL: 500 courses and 5,000 lessons.

    .venv/bin/python bench/courses_pages.py [--courses 500] [--lessons-per-course 10]
                                            [--requests 200] [--keep] [--db academie_bench_courses]

Creates its own database (dropped at the end unless --keep), migrates it, builds the page tree
with Wagtail's tree API (as editors would, search indexing included), enrols a learner in one
course, then measures with Django's test client (full middleware, templates, sessions):
  1. the lesson page of an enrolled learner (re-reading: the first visit's writes are done): p50,
     p95, CPU time of the Django process (p50), queries;
  2. the course page: p50, p95, queries;
  3. the catalogue (first page, a filtered page, a French search): p50, p95, queries, and the
     query count of the same pages when the catalogue had only 10 courses.
Prints the figures; copy them into docs/benchmarks.md with the date.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=500)
    parser.add_argument("--lessons-per-course", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="academie_bench_courses")
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again on a database kept by a previous run (--keep): no rebuild")
    return parser.parse_args()


def recreate_database(args) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{args.host}:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        conn.execute(f'CREATE DATABASE "{args.db}"')


def drop_database(args) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"postgresql://postgres@{args.host}:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')


LESSON_BODY = [
    ("heading", {"text": "Vérifier l'application de la stratégie", "level": "h2"}),
    ("rich_text", "<p>Une stratégie de groupe s'applique au démarrage puis toutes les 90 minutes. "
                  "Avant d'agir, on constate ce que le poste a reçu.</p>" * 3),
    ("code", {"language": "cmd", "code": "gpresult /r /scope computer", "caption": "Résumé"}),
    ("callout", {"kind": "warning", "title": "Prévenez l'utilisateur", "body": "<p>Une déconnexion peut être demandée.</p>"}),
    ("procedure", {"title": "Forcer l'application", "steps": [
        {"title": "Ouvrir une invite de commandes", "body": "", "command": ""},
        {"title": "Lancer la mise à jour", "body": "<p>En administrateur.</p>", "command": "gpupdate /force"},
        {"title": "Relire le rapport", "body": "", "command": "gpresult /h gp.html"},
    ]}),
    ("knowledge_check", {"question": "Quelle commande liste les GPO appliquées ?", "choices": [
        {"text": "gpresult /r", "correct": True, "feedback": "Oui."},
        {"text": "ipconfig /all", "correct": False, "feedback": "Non, c'est la configuration IP."},
    ]}),
]


def build(*, start: int, stop: int, lessons: int, catalogue, domains, skills) -> None:
    from courses.models import CoursePage, CourseSkill, LessonPage, ModulePage

    for i in range(start, stop):
        domain = domains[i % len(domains)]
        course = CoursePage(
            title=f"Formation {i:04d} — {domain.name_fr}", slug=f"formation-{i:04d}", domain=domain,
            summary="Diagnostiquer et résoudre les incidents courants, pas à pas.", duration_minutes=30 + i % 120,
            difficulty=["beginner", "intermediate", "advanced"][i % 3], audience_tiers=[["N1"], ["N2"], []][i % 3],
        )
        course.skills_taught = [CourseSkill(skill=skills[i % len(skills)], level=1 + i % 4)]
        catalogue.add_child(instance=course)
        parent = course
        for j in range(lessons):
            if j == lessons // 2:
                parent = course.add_child(instance=ModulePage(title="Approfondir", slug="approfondir"))
            parent.add_child(instance=LessonPage(title=f"Leçon {j + 1}", slug=f"lecon-{j + 1}", body=LESSON_BODY,
                                                 estimated_minutes=10))


def measure(client, url, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up
    timings, cpu = [], []
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return statistics.median(timings), p95, len(queries.captured_queries), statistics.median(cpu)


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.test")
    if not args.reuse:
        recreate_database(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from wagtail.models import Page, Site

    from academy.models import Staff
    from courses import services
    from courses.models import CatalogueIndexPage, CoursePage
    from courses.selectors import course_lessons
    from skills.models import Domain, Skill
    from tests.factories import UserFactory, scale_create

    if args.reuse:
        return remeasure(args)
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        scale_create()
        domains = [Domain.objects.create(code=code, name_fr=name) for code, name in [
            ("AD", "Active Directory"), ("M365", "Microsoft 365"), ("NET", "Réseau"), ("SEC", "Cybersécurité"),
            ("MSG", "Messagerie"), ("HEB", "Hébergement"), ("TEL", "Téléphonie"), ("INFRA", "Infrastructure"),
            ("PDT", "Poste de travail")]]
        skills = [Skill.objects.create(code=f"{d.code}.S{k}", name_fr=f"Compétence {k} {d.name_fr}", domain=d)
                  for d in domains for k in range(4)]
        catalogue = Page.get_first_root_node().add_child(instance=CatalogueIndexPage(title="Formations", slug="formations"))
        site = Site.objects.get(is_default_site=True)
        site.root_page = catalogue
        site.save()
        user = UserFactory(username="bench-learner")
        staff = Staff.objects.create(user=user, employee_id="B0001")
        client = Client()
        client.force_login(user)
        print(f"setup (migrate, taxonomy): {time.perf_counter() - started:.1f} s")

        small = 10
        build(start=0, stop=small, lessons=args.lessons_per_course, catalogue=catalogue, domains=domains, skills=skills)
        catalogue_urls = {
            "catalogue": "/formations/",
            "catalogue filtered": "/formations/?domaine=NET&niveau=N1&difficulte=beginner",
            "catalogue search": "/formations/?q=strat%C3%A9gies",
        }
        small_queries = {name: measure(client, url, 3)[2] for name, url in catalogue_urls.items()}
        small_course = CoursePage.objects.get(slug="formation-0005")
        services.enrolment_create(staff=staff, course=small_course)
        small_lesson = course_lessons(course=small_course)[-1]
        small_queries["lesson (enrolled)"] = measure(client, small_lesson.url, 3)[2]

        started = time.perf_counter()
        build(start=small, stop=args.courses, lessons=args.lessons_per_course, catalogue=catalogue, domains=domains,
              skills=skills)
        built = time.perf_counter() - started
        n_courses = CoursePage.objects.count()
        from courses.models import LessonPage

        n_lessons = LessonPage.objects.count()
        print(f"built {n_courses} courses, {n_lessons} lessons in {built:.0f} s")

        course = CoursePage.objects.get(slug=f"formation-{args.courses // 2:04d}")
        services.enrolment_create(staff=staff, course=course)
        lesson = course_lessons(course=course)[-1]  # inside the module: the deepest URL

        print(f"load average before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        header = f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}{'queries':>9}   queries with {small} courses"
        print("\n" + header)
        pages = [("lesson (enrolled)", lesson.url, args.requests), ("course", course.url, args.requests)]
        pages += [(name, url, max(20, args.requests // 2)) for name, url in catalogue_urls.items()]
        for name, url, n in pages:
            p50, p95, queries, cpu = measure(client, url, n)
            print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{cpu:>9.1f}{queries:>9}   {small_queries.get(name, '-')}")
        print(f"\nlesson URL: {lesson.url}")
    finally:
        if not args.keep:
            drop_database(args)


def remeasure(args):
    """Measure again on a kept database (the figures with 10 courses are not available)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from courses.models import CoursePage
    from courses.selectors import course_lessons

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-learner"))
    course = CoursePage.objects.get(slug=f"formation-{args.courses // 2:04d}")
    lesson = course_lessons(course=course)[-1]
    print(f"load average before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}{'queries':>9}")
    for name, url in [("lesson (enrolled)", lesson.url), ("course", course.url), ("catalogue", "/formations/"),
                      ("catalogue filtered", "/formations/?domaine=NET&niveau=N1&difficulte=beginner"),
                      ("catalogue search", "/formations/?q=strat%C3%A9gies")]:
        p50, p95, queries, cpu = measure(client, url, args.requests)
        print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{cpu:>9.1f}{queries:>9}")


if __name__ == "__main__":
    main()
