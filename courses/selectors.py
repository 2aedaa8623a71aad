"""Reads about courses, enrolments and progress. Pages, views and other apps call these; none of
them writes."""
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.search.query import Or, PlainText

from academy.models import Profile, Tier
from academy.roles import user_is_editor
from academy.selectors import staff_for_user
from courses import site_cache
from courses.extensions import extensions
from courses.models import (
    CoursePage, CourseSkill, Difficulty, Enrolment, EnrolmentSource, EnrolmentStatus, LessonPage, LessonProgress,
    ModulePage,
)
from skills.models import Domain, Skill
from skills.selectors import gaps_for_staff

logger = logging.getLogger(__name__)

CATALOGUE_PAGE_SIZE = 12
# Duration filter buckets offered in the catalogue (upper bound in minutes).
DURATION_CHOICES = [(30, "≤ 30 min"), (60, "≤ 1 h"), (120, "≤ 2 h"), (240, "≤ 4 h")]
ENROLLED = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
# The best-ranked lessons a catalogue search maps to their courses (beyond, matches are too weak
# to be worth the time: a common word can match thousands of lessons).
LESSON_SEARCH_LIMIT = 200
# A course none of whose pages was published for this long is due for review: commands, screens
# and procedures change under the content.
COURSE_REVIEW_AFTER = timedelta(days=365)


# --- courses and their lessons ------------------------------------------------------------------


def course_for_lesson(*, lesson: LessonPage) -> CoursePage | None:
    """The course a lesson belongs to (through a module or not), live or not; None for an orphan."""
    return CoursePage.objects.ancestor_of(lesson).first()


def course_lessons(*, course: CoursePage) -> list[LessonPage]:
    """The course's live lessons in reading order (tree order), without their bodies."""
    return list(LessonPage.objects.live().descendant_of(course).defer_streamfields().order_by("path"))


def course_completed(*, staff, course) -> bool:
    """Has `staff` completed `course` (an enrolment marked completed)?"""
    if staff is None:
        return False
    return Enrolment.objects.filter(staff=staff, course_id=course.pk, status=EnrolmentStatus.COMPLETED).exists()


def courses_completed(*, staff, course_ids) -> set[int]:
    """The ids among `course_ids` of the courses `staff` has completed (one query)."""
    if staff is None or not course_ids:
        return set()
    return set(Enrolment.objects.filter(staff=staff, course_id__in=course_ids, status=EnrolmentStatus.COMPLETED)
               .values_list("course_id", flat=True))


def enrolment_for(*, staff, course) -> Enrolment | None:
    """The current enrolment (active or completed) of staff in course, or None."""
    if staff is None:
        return None
    return Enrolment.objects.filter(staff=staff, course_id=course.pk, status__in=ENROLLED).first()


def course_prerequisites(*, course: CoursePage) -> list[CoursePage]:
    """The live prerequisite courses of `course`, by title. Works on a page rebuilt from a
    revision (admin preview), whose relations are in memory."""
    if not course.pk:
        return []
    return sorted((p for p in course.prerequisites.all() if p.live), key=lambda p: p.title)


def prerequisites_missing(*, staff, course: CoursePage, prerequisites: list[CoursePage] | None = None,
                          ) -> list[CoursePage]:
    """The live prerequisite courses of `course` that `staff` has not completed. `prerequisites`:
    `course_prerequisites(course=course)` when the caller has already read it."""
    prerequisites = course_prerequisites(course=course) if prerequisites is None else prerequisites
    if not prerequisites:
        return []
    done = set(
        Enrolment.objects.filter(staff=staff, course__in=prerequisites, status=EnrolmentStatus.COMPLETED)
        .values_list("course_id", flat=True)
    )
    return [p for p in prerequisites if p.pk not in done]


def courses_teaching(*, requirements: dict[str, int], match: str = "all") -> QuerySet[CoursePage]:
    """Live courses whose completion attests at least the required level of the skills named in
    `requirements` ({skill_code: min_level}): of every one of them (`match="all"`, the default) or
    of at least one (`match="any"`). Empty requirements give no course."""
    if not requirements:
        return CoursePage.objects.none()
    condition = Q()
    for code, level in requirements.items():
        condition |= Q(skill__code=code, level__gte=level)
    rows = CourseSkill.objects.filter(condition).values("page_id").annotate(n=Count("skill", distinct=True))
    if match == "all":
        rows = rows.filter(n__gte=len(requirements))
    ids = rows.values("page_id")
    return CoursePage.objects.live().filter(pk__in=ids).select_related("domain").order_by("title")


# --- progress -----------------------------------------------------------------------------------


@dataclass
class CourseProgress:
    """Where one person stands in one course."""

    enrolment: Enrolment | None
    lessons: list[LessonPage]
    done_ids: set[int]
    required_total: int
    required_done: int
    percent: int
    next_lesson: LessonPage | None  # first lesson not done, in reading order
    resume_lesson: LessonPage | None  # where to continue: the last one visited, else the next one

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None

    @property
    def completed(self) -> bool:
        return self.enrolment is not None and self.enrolment.status == EnrolmentStatus.COMPLETED

    @property
    def awaiting_final_exam(self) -> bool:
        """Every required lesson is done but the course is not complete: its final exam remains."""
        return (self.enrolment is not None and not self.completed and self.required_total > 0
                and self.required_done == self.required_total)


def required_lessons(lessons: list[LessonPage]) -> list[LessonPage]:
    """The lessons that count for completion: those marked required, or all of them when none is."""
    required = [lesson for lesson in lessons if lesson.required]
    return required or list(lessons)


def course_progress(*, staff, course: CoursePage, enrolment: Enrolment | None = None,
                    lessons: list[LessonPage] | None = None) -> CourseProgress:
    """Progress of `staff` in `course`: done lessons, % of required lessons done, what to read
    next. Works for someone not enrolled (0 %, no resume point). Three queries at most."""
    if enrolment is None and staff is not None:
        enrolment = Enrolment.objects.filter(staff=staff, course_id=course.pk, status__in=ENROLLED).first()
    lessons = course_lessons(course=course) if lessons is None else lessons
    done_ids: set[int] = set()
    if enrolment is not None:
        done_ids = set(
            LessonProgress.objects.filter(staff_id=enrolment.staff_id, course_id=course.pk, completed_at__isnull=False)
            .values_list("lesson_id", flat=True)
        )
    if enrolment is None:
        required = required_lessons(lessons)
        return CourseProgress(
            enrolment=None, lessons=lessons, done_ids=set(), required_total=len(required), required_done=0,
            percent=0, next_lesson=lessons[0] if lessons else None, resume_lesson=None,
        )
    return _progress_from(enrolment, lessons, done_ids)


@dataclass
class OutlineSection:
    module: ModulePage | None
    lessons: list[LessonPage] = field(default_factory=list)


def course_outline(*, course: CoursePage, lessons: list[LessonPage] | None = None) -> list[OutlineSection]:
    """The course's live lessons grouped by module, in tree order. Lessons placed directly under
    the course form sections without a module."""
    lessons = course_lessons(course=course) if lessons is None else lessons
    modules = {m.path: m for m in ModulePage.objects.live().child_of(course).order_by("path")}
    sections: list[OutlineSection] = []
    for lesson in lessons:
        module = modules.get(lesson.path[: lesson.steplen * (course.depth + 1)]) if lesson.depth > course.depth + 1 else None
        if not sections or sections[-1].module != module:
            sections.append(OutlineSection(module=module))
        sections[-1].lessons.append(lesson)
    return sections


# --- access -------------------------------------------------------------------------------------


@dataclass
class LessonAccess:
    allowed: bool
    course: CoursePage | None
    enrolment: Enrolment | None = None
    reason: str = ""


def lesson_access(*, user, lesson: LessonPage) -> LessonAccess:
    """May `user` read `lesson`? Enrolled staff (active or completed) may; content editors may
    without enrolling (to review). `course` is None when the lesson's course is not published:
    the lesson then does not exist for learners (404)."""
    if not lesson.path:
        return LessonAccess(allowed=False, course=None)
    if user.is_authenticated:
        # The common case in one query: the enrolment, its person and its course (an ancestor).
        ancestors = [lesson.path[: lesson.steplen * depth] for depth in range(1, lesson.depth)]
        enrolment = (Enrolment.objects.select_related("staff", "course")
                     .filter(staff__user=user, status__in=ENROLLED, course__path__in=ancestors).first())
        if enrolment is not None and enrolment.course.live:
            return LessonAccess(allowed=True, course=enrolment.course, enrolment=enrolment)
    course = course_for_lesson(lesson=lesson)
    if course is None or not course.live:
        return LessonAccess(allowed=False, course=None)
    if user_is_editor(user):
        return LessonAccess(allowed=True, course=course)
    return LessonAccess(allowed=False, course=course,
                        reason=_("Inscrivez-vous à la formation pour accéder à ses leçons."))


def lesson_page_context(*, lesson: LessonPage, user, access: LessonAccess | None) -> dict:
    """Context of a lesson page: its course, the outline with done marks, previous/next lessons."""
    course = access.course if access else (course_for_lesson(lesson=lesson) if lesson.path else None)
    if course is None:  # preview of a lesson in a page tree being built
        return {"course": None, "progress": None, "sections": [], "previous_lesson": None, "next_lesson": None}
    course = course.specific
    lessons = course_lessons(course=course)
    staff = access.enrolment.staff if access and access.enrolment else None
    progress = course_progress(staff=staff, course=course, enrolment=access.enrolment if access else None,
                               lessons=lessons)
    ids = [item.pk for item in lessons]
    index = ids.index(lesson.pk) if lesson.pk in ids else -1
    return {
        "course": course,
        "progress": progress,
        "sections": course_outline(course=course, lessons=lessons),
        "lesson_done": lesson.pk in progress.done_ids,
        "previous_lesson": lessons[index - 1] if index > 0 else None,
        "next_lesson": lessons[index + 1] if 0 <= index < len(lessons) - 1 else None,
    }


def course_page_context(*, course: CoursePage, user) -> dict:
    """Context of a course page: outline, the viewer's enrolment and progress, prerequisites."""
    staff = staff_for_user(user)
    lessons = course_lessons(course=course)
    progress = course_progress(staff=staff, course=course, lessons=lessons)
    prerequisites = course_prerequisites(course=course)
    missing = (prerequisites_missing(staff=staff, course=course, prerequisites=prerequisites)
               if staff and not progress.enrolled else [])
    return {
        "staff": staff,
        "progress": progress,
        "final_exams": (extensions.final_exams(course_ids=[course.pk]).get(course.pk, [])
                        if progress.awaiting_final_exam else []),
        "sections": course_outline(course=course, lessons=lessons),
        "missing_prerequisites": missing,
        "prerequisites": prerequisites,
        "skills_taught": list(course.skills_taught.select_related("skill").order_by("sort_order")),
        "knowledge_documents": extensions.knowledge_documents(course=course),
        "can_edit": user_is_editor(user),
    }


# --- catalogue ----------------------------------------------------------------------------------


def search_terms_variants(query: str) -> str:
    """A light French plural reduction for backends without stemming (SQLite FTS): "stratégies"
    also searches "stratégie". PostgreSQL's `french` configuration stems properly."""
    words = re.findall(r"\w+", query)
    reduced = [w[:-1] if len(w) > 3 and w[-1] in "sx" and not w.endswith("ss") else w for w in words]
    return " ".join(reduced)


def catalogue_search(*, query: str) -> list[int]:
    """Ids of live courses matching `query` in French, best first: matches in the course itself
    (title, summary, objectives, domain, skills), then courses with a live lesson that matches."""
    query = (query or "").strip()[:200]
    if not query:
        return []
    search_query = PlainText(query)
    if connection.vendor != "postgresql":
        variant = search_terms_variants(query)
        if variant and variant != query:
            search_query = Or([PlainText(query), PlainText(variant)])
    try:
        course_hits = [c.pk for c in CoursePage.objects.live().search(search_query)[:200]]
        # Bodies are not needed to map a lesson to its course: leave them in the database.
        lessons = LessonPage.objects.live().defer_streamfields()
        lesson_paths = [lesson.path for lesson in lessons.search(search_query)[:LESSON_SEARCH_LIMIT]]
    except Exception:  # a query the backend cannot parse must not break the catalogue
        logger.warning("catalogue search failed for %r", query, exc_info=True)
        return []
    ordered = list(dict.fromkeys(course_hits))
    if lesson_paths:
        course_paths = {}
        steplen = CoursePage.steplen
        # A course's path is a prefix of its lessons' paths; courses are at one depth.
        depth = CoursePage.objects.values_list("depth", flat=True).first()
        if depth:
            prefixes = list(dict.fromkeys(p[: steplen * depth] for p in lesson_paths))
            course_paths = dict(CoursePage.objects.live().filter(path__in=prefixes).values_list("path", "pk"))
            for prefix in prefixes:
                pk = course_paths.get(prefix)
                if pk and pk not in ordered:
                    ordered.append(pk)
    return ordered


@dataclass
class CatalogueFilters:
    q: str = ""
    domain: str = ""
    skill: str = ""
    tier: str = ""
    profile: str = ""
    difficulty: str = ""
    duration: int | None = None

    @classmethod
    def from_params(cls, params) -> "CatalogueFilters":
        """Read filters from a QueryDict; unknown values are ignored, never an error."""
        def one(name, allowed=None):
            value = (params.get(name) or "").strip()[:60]
            return value if allowed is None or value in allowed else ""

        duration = params.get("duree") or ""
        return cls(
            q=(params.get("q") or "").strip()[:200],
            domain=one("domaine"),
            skill=one("competence"),
            tier=one("niveau", Tier.values),
            profile=one("profil", Profile.values),
            difficulty=one("difficulte", Difficulty.values),
            duration=int(duration) if duration.isdigit() and int(duration) in dict(DURATION_CHOICES) else None,
        )

    @property
    def active(self) -> bool:
        return any([self.q, self.domain, self.skill, self.tier, self.profile, self.difficulty, self.duration])


def catalogue_courses(*, filters: CatalogueFilters) -> tuple[QuerySet[CoursePage], list[int] | None]:
    """Live courses matching the filters, with what a card shows fetched in a constant number of
    queries. Returns (queryset, search order): with a text query the queryset holds the matches
    and the order is the search ranking, else the order is None and the queryset is by title."""
    qs = CoursePage.objects.live()
    if filters.domain:
        qs = qs.filter(domain__code=filters.domain)
    if filters.skill:
        qs = qs.filter(skills_taught__skill__code=filters.skill)
    if filters.tier:
        qs = qs.filter(Q(audience_tiers="") | Q(audience_tiers__contains=filters.tier))
    if filters.profile:
        qs = qs.filter(Q(audience_profiles="") | Q(audience_profiles__contains=filters.profile))
    if filters.difficulty:
        qs = qs.filter(difficulty=filters.difficulty)
    if filters.duration:
        qs = qs.filter(duration_minutes__lte=filters.duration)
    order = None
    if filters.q:
        order = catalogue_search(query=filters.q)
        qs = qs.filter(pk__in=order)
    if filters.skill:  # the only filter through a relation that can match a course twice
        qs = qs.distinct()
    return qs.order_by("title"), order


def course_cards(courses, *, staff, enrolments: list[Enrolment] | None = None) -> list[CoursePage]:
    """Attach to each course what its card needs (domain, cover, skills, the viewer's enrolment)
    with a fixed number of queries, whatever the number of courses. `enrolments`: all of the
    viewer's enrolments when the caller has already read them (`_enrolments_of`)."""
    courses = list(courses)
    ids = [c.pk for c in courses]
    skills = {}
    if ids:
        for row in CourseSkill.objects.filter(page_id__in=ids).select_related("skill").order_by("sort_order"):
            skills.setdefault(row.page_id, []).append(row)
    if enrolments is not None:
        wanted = set(ids)
        enrolments = {e.course_id: e for e in enrolments if e.course_id in wanted and e.status in ENROLLED}
    elif staff is not None and ids:
        enrolments = {e.course_id: e for e in Enrolment.objects.filter(staff=staff, course_id__in=ids,
                                                                       status__in=ENROLLED)}
    else:
        enrolments = {}
    for course in courses:
        course.card_skills = skills.get(course.pk, [])
        course.card_enrolment = enrolments.get(course.pk)
    return courses


def _with_card_relations(qs: QuerySet[CoursePage]) -> QuerySet[CoursePage]:
    renditions = get_image_model().get_rendition_model().objects.all()
    return qs.select_related("domain", "cover_image").prefetch_related(
        Prefetch("cover_image__renditions", queryset=renditions)
    )


def catalogue_context(*, catalogue, user, params) -> dict:
    """Context of the catalogue page: filtered, searched and paginated courses, the filter
    choices, and "recommended for you"."""
    staff = staff_for_user(user)
    # The viewer's enrolments, read once for the cards and the recommendations.
    enrolments = _enrolments_of(staff)
    filters = CatalogueFilters.from_params(params)
    qs, order = catalogue_courses(filters=filters)
    qs = _with_card_relations(qs)
    if order is not None:
        rank = {pk: i for i, pk in enumerate(order)}
        matches = sorted(qs, key=lambda c: rank.get(c.pk, len(rank)))
        results = Paginator(matches, CATALOGUE_PAGE_SIZE).get_page(params.get("page"))
    else:
        results = Paginator(qs, CATALOGUE_PAGE_SIZE).get_page(params.get("page"))
    results.object_list = course_cards(results.object_list, staff=staff, enrolments=enrolments)
    query_string = params.copy()
    query_string.pop("page", None)
    domains, skills = site_cache.catalogue_facets(lambda: (
        list(Domain.objects.filter(courses__live=True).distinct().order_by("sort_order", "code")),
        # Grouped by domain in the filter (skills.selectors.skills_active's order).
        list(Skill.objects.filter(taught_by__page__live=True).distinct().select_related("domain")
             .order_by("domain__sort_order", "domain__code", "code")),
    ))
    return {
        "staff": staff,
        "filters": filters,
        "results": results,
        "query_string": query_string.urlencode(),
        "domains": domains,
        "skills": skills,
        "tiers": Tier.choices,
        "profiles": Profile.choices,
        "difficulties": Difficulty.choices,
        "durations": DURATION_CHOICES,
        "recommended": ([] if filters.active or staff is None
                        else recommended_courses(staff=staff, enrolments=enrolments)),
    }


# --- recommendations ----------------------------------------------------------------------------


def staff_skill_gaps(*, staff) -> dict[int, int]:
    """{skill_id: required level} for the skills where `staff` is below what their role profile
    requires (skills.selectors.gaps_for_staff); {} when they have no role profile."""
    return {gap.skill.pk: gap.required for gap in gaps_for_staff(staff=staff) if not gap.met}


def _enrolments_of(staff) -> list[Enrolment]:
    """Every enrolment of `staff` (any status; none for no one), in one query."""
    return [] if staff is None else list(Enrolment.objects.filter(staff=staff))


def recommended_courses(*, staff, limit: int = 6, enrolments: list[Enrolment] | None = None) -> list[CoursePage]:
    """Live courses that close the learner's gaps (a course attests at least the level the role
    requires, or raises the level in a gap skill), not already taken; those closing most gaps
    first. Constant number of queries. `enrolments`: all of the learner's enrolments when the
    caller has already read them."""
    unmet = [gap for gap in gaps_for_staff(staff=staff) if not gap.met]
    if not unmet:
        return []
    gaps = {gap.skill.pk: gap.required for gap in unmet}
    levels = {gap.skill.pk: gap.level for gap in unmet}  # the person's current level in each gap skill
    rows = CourseSkill.objects.filter(skill_id__in=gaps, page__live=True).values_list("page_id", "skill_id", "level")
    score: dict[int, int] = {}
    for page_id, skill_id, level in rows:
        if level > levels.get(skill_id, 0):
            score[page_id] = score.get(page_id, 0) + (2 if level >= gaps[skill_id] else 1)
    if enrolments is None:
        enrolments = _enrolments_of(staff)
    taken = {e.course_id for e in enrolments}
    ranked = [pk for pk, _s in sorted(score.items(), key=lambda kv: (-kv[1], kv[0])) if pk not in taken][:limit]
    if not ranked:
        return []
    courses = {c.pk: c for c in _with_card_relations(CoursePage.objects.live().filter(pk__in=ranked))}
    return course_cards([courses[pk] for pk in ranked if pk in courses], staff=staff, enrolments=enrolments)


# --- my learning --------------------------------------------------------------------------------


@dataclass
class LearningItem:
    enrolment: Enrolment
    progress: CourseProgress
    final_exams: list = field(default_factory=list)  # when only the final exam remains


def my_learning(*, staff) -> dict:
    """What /mes-formations/ shows: courses in progress (with %, resume point), assigned ones with
    their due dates, completed ones, and the next step. Queries grow with the person's enrolments,
    not with the catalogue."""
    enrolments = list(
        Enrolment.objects.filter(staff=staff, status__in=ENROLLED, course__live=True)
        .select_related("course", "course__domain", "assigned_by").order_by("due_on", "-enrolled_at")
    )
    course_ids = [e.course_id for e in enrolments]
    lessons_by_course: dict[int, list[LessonPage]] = {e.course_id: [] for e in enrolments}
    if enrolments:
        courses = {e.course_id: e.course for e in enrolments}
        lessons = LessonPage.objects.live().defer_streamfields().order_by("path")
        condition = Q()
        for course in courses.values():
            condition |= Q(path__startswith=course.path, depth__gt=course.depth)
        for lesson in lessons.filter(condition):
            for course in courses.values():
                if lesson.path.startswith(course.path):
                    lessons_by_course[course.pk].append(lesson)
                    break
    done = {}
    for course_id, lesson_id in LessonProgress.objects.filter(
        staff=staff, course_id__in=course_ids, completed_at__isnull=False,
    ).values_list("course_id", "lesson_id"):
        done.setdefault(course_id, set()).add(lesson_id)
    progresses = {enrolment.pk: _progress_from(enrolment, lessons_by_course[enrolment.course_id],
                                               done.get(enrolment.course_id, set())) for enrolment in enrolments}
    exams = extensions.final_exams(course_ids={enrolment.course_id for enrolment in enrolments
                             if progresses[enrolment.pk].awaiting_final_exam})
    in_progress, assigned, completed = [], [], []
    for enrolment in enrolments:
        progress = progresses[enrolment.pk]
        item = LearningItem(enrolment=enrolment, progress=progress,
                            final_exams=exams.get(enrolment.course_id, []) if progress.awaiting_final_exam else [])
        if enrolment.status == EnrolmentStatus.COMPLETED:
            completed.append(item)
        elif enrolment.source == EnrolmentSource.PATH or enrolment.due_on:
            assigned.append(item)
        else:
            in_progress.append(item)
    completed.sort(key=lambda i: i.enrolment.completed_at, reverse=True)
    in_progress.sort(key=lambda i: i.enrolment.last_visited_at or i.enrolment.enrolled_at, reverse=True)
    return {
        "in_progress": in_progress,
        "assigned": assigned,
        "completed": completed,
        "next_step": (assigned + in_progress)[0] if (assigned or in_progress) else None,
    }


def _progress_from(enrolment: Enrolment, lessons: list[LessonPage], done_ids: set[int]) -> CourseProgress:
    required = required_lessons(lessons)
    required_done = sum(1 for lesson in required if lesson.pk in done_ids)
    completed = enrolment.status == EnrolmentStatus.COMPLETED
    percent = 100 if completed else (int(100 * required_done / len(required)) if required else 0)
    next_lesson = next((lesson for lesson in lessons if lesson.pk not in done_ids), None)
    last = next((lesson for lesson in lessons if lesson.pk == enrolment.last_lesson_id), None)
    resume = last if last is not None and last.pk not in done_ids else (next_lesson or last)
    return CourseProgress(enrolment=enrolment, lessons=lessons, done_ids=done_ids, required_total=len(required),
                          required_done=required_done, percent=percent, next_lesson=next_lesson,
                          resume_lesson=resume)


def certificates_for(*, staff) -> list:
    """The person's certificates in force, for the `certificates` block of /mes-formations/ (from
    the app that awards them, through courses.extensions)."""
    return list(extensions.certificates(staff=staff))


# --- the editors' dashboard -----------------------------------------------------------------------


def page_drafts_of(*, user) -> QuerySet[Page]:
    """Pages with changes not published yet that `user` owns or saved last, most recently changed
    first."""
    return (Page.objects.filter(has_unpublished_changes=True)
            .filter(Q(owner=user) | Q(latest_revision__user=user))
            .order_by("-latest_revision_created_at", "pk"))


def courses_due_for_review(*, now=None) -> QuerySet[CoursePage]:
    """Live courses of which no page (the course, its modules and lessons) was published in the
    last `COURSE_REVIEW_AFTER`, each with `reviewed_at`: its latest publication (None when it was
    never published through Wagtail). Never published first, then the oldest."""
    cutoff = (now or timezone.now()) - COURSE_REVIEW_AFTER
    latest = (Page.objects.filter(path__startswith=OuterRef("path"), last_published_at__isnull=False)
              .order_by("-last_published_at").values("last_published_at")[:1])
    return (CoursePage.objects.live().annotate(reviewed_at=Subquery(latest))
            .filter(Q(reviewed_at__lt=cutoff) | Q(reviewed_at__isnull=True))
            .order_by(F("reviewed_at").asc(nulls_first=True), "title"))
