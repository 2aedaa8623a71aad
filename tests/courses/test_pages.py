"""The page tree cannot be built wrong: catalogue → course → optional module → lesson."""
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from courses.models import CatalogueIndexPage, CoursePage, LessonPage, ModulePage


class PageTreeRulesTest(WagtailPageTestCase):
    def test_the_catalogue_holds_courses_only(self):
        self.assertCanCreateAt(CatalogueIndexPage, CoursePage)
        self.assertCanNotCreateAt(CatalogueIndexPage, ModulePage)
        self.assertCanNotCreateAt(CatalogueIndexPage, LessonPage)
        self.assertAllowedSubpageTypes(CatalogueIndexPage, {CoursePage})

    def test_a_course_holds_modules_and_lessons(self):
        self.assertCanCreateAt(CoursePage, ModulePage)
        self.assertCanCreateAt(CoursePage, LessonPage)
        self.assertCanNotCreateAt(CoursePage, CoursePage)
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage, LessonPage})

    def test_a_module_holds_lessons_only(self):
        self.assertCanCreateAt(ModulePage, LessonPage)
        self.assertCanNotCreateAt(ModulePage, ModulePage)
        self.assertCanNotCreateAt(ModulePage, CoursePage)

    def test_a_lesson_is_a_leaf(self):
        self.assertAllowedSubpageTypes(LessonPage, {})

    def test_editors_cannot_put_courses_or_lessons_outside_the_catalogue(self):
        self.assertCanNotCreateAt(Page, CoursePage)
        self.assertCanNotCreateAt(Page, LessonPage)
        self.assertAllowedParentPageTypes(CoursePage, {CatalogueIndexPage})
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage, ModulePage})
