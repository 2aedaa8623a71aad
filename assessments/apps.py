from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    label = "assessments"
    verbose_name = _("Évaluations")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from assessments import selectors
        from assessments.badge_signing import signing_key_check
        from courses.extensions import extensions_register

        # Courses sits below assessments: the exams that close a course and the certificates of
        # /mes-formations/ reach it through its extension points.
        extensions_register(final_exams=selectors.course_final_exams,
                            final_exams_passed=selectors.course_final_exams_passed,
                            certificates=selectors.certificates_for_staff)

        # Production (ACADEMIE_BADGE_KEY_REQUIRED) refuses to start without a usable key: a key
        # that changed with a deploy would leave every badge already issued unverifiable. Checked
        # while Django sets up, so gunicorn, the worker and manage.py all stop, naming the setting.
        if getattr(settings, "ACADEMIE_BADGE_KEY_REQUIRED", False):
            signing_key_check(pem=settings.ACADEMIE_BADGE_SIGNING_KEY, path=settings.ACADEMIE_BADGE_SIGNING_KEY_FILE,
                              previous=settings.ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS)
