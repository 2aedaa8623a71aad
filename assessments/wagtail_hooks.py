"""Admin wiring: the question bank, exams and certifications as snippets, item analysis and question import/export views."""
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from academy.admin_viewsets import SnippetViewSet
from academy.roles import user_is_editor
from assessments import admin_views
from assessments.models import Certification, Exam, Question
from assessments.selectors import courses_without_final_exam
from courses.admin_panels import PageListPanel


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Banque de questions")
    list_display = ["code", "text", "type", "difficulty", "active"]
    list_filter = ["type", "difficulty", "active", "skills"]
    search_fields = ["code", "text"]
    list_per_page = 50


class ExamViewSet(SnippetViewSet):
    model = Exam
    icon = "tasks"
    menu_label = _("Examens")
    list_display = ["title", "slug", "selection", "pass_mark", "time_limit_minutes", "active"]
    list_filter = ["selection", "active"]
    search_fields = ["title"]


class CertificationViewSet(SnippetViewSet):
    model = Certification
    icon = "success"
    menu_label = _("Certifications")
    list_display = ["code", "name_fr", "domain", "validity_months", "renewal_window_days", "active"]
    list_filter = ["domain", "active"]
    search_fields = ["code", "name_fr"]


class AssessmentsGroup(SnippetViewSetGroup):
    menu_label = _("Évaluations")
    menu_icon = "tasks"
    menu_order = 250
    items = (QuestionViewSet, ExamViewSet, CertificationViewSet)


register_snippet(AssessmentsGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("evaluations/analyse/", admin_views.item_analysis, name="assessments_item_analysis"),
        path("evaluations/questions/importer/", admin_views.questions_import, name="assessments_questions_import"),
        path("evaluations/questions/exporter/", admin_views.questions_export, name="assessments_questions_export"),
    ]


class EditorMenuItem(MenuItem):
    def is_shown(self, request):
        return user_is_editor(request.user)


@hooks.register("register_admin_menu_item")
def register_item_analysis_menu_item():
    return EditorMenuItem(_("Analyse des questions"), reverse("assessments_item_analysis"), icon_name="table",
                          order=251)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return EditorMenuItem(_("Import/export de questions"), reverse("assessments_questions_import"),
                          icon_name="download", order=252)


class CoursesWithoutExamPanel(PageListPanel):
    """The dashboard's live courses that no open exam is the final assessment of."""

    name = "academie-courses-without-exam"
    order = 70
    heading = _("Formations sans évaluation finale")
    help_text = _("Leurs apprenants terminent sans être évalués : liez un examen à la formation "
                  "(champ « formation » de l'examen).")
    empty_text = _("Chaque formation publiée a son évaluation finale.")
    action_label = _("Ajouter un examen")

    @property
    def action_url(self):
        return reverse(Exam.snippet_viewset.get_url_name("add"))

    def pages(self, user):
        return courses_without_final_exam()


@hooks.register("construct_homepage_panels")
def add_courses_without_exam_panel(request, panels):
    if user_is_editor(request.user):
        panels.append(CoursesWithoutExamPanel())
