"""What apps above `courses` add to it, plugged in from their `AppConfig.ready()`: courses imports
none of them (DESIGN.md, the floors). Until an app registers, courses behaves as if it had none:
no final exams (a course completes with its lessons), no certificates on /mes-formations/.

- `final_exams(course_ids=)` → {course id: [exams]}: the open exams that close each course;
- `final_exams_passed(staff=, course=)` → bool: has the person passed every one of them;
- `certificates(staff=)` → [links]: the person's certificates in force, for /mes-formations/;
- `knowledge_documents(course=)` → [documents]: the knowledge base's procedures and standards of
  the skills a course teaches, for its page (each with `title`, `path`, `kind`, `solution`,
  `review_due`)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


def _no_final_exams(*, course_ids: Iterable[int]) -> dict:
    return {}


def _nothing_to_pass(*, staff, course) -> bool:
    return True


def _no_certificates(*, staff) -> list:
    return []


def _no_documents(*, course) -> list:
    return []


@dataclass
class CourseExtensions:
    final_exams: Callable[..., dict] = _no_final_exams
    final_exams_passed: Callable[..., bool] = _nothing_to_pass
    certificates: Callable[..., list] = _no_certificates
    knowledge_documents: Callable[..., list] = _no_documents


extensions = CourseExtensions()


def extensions_register(**functions: Callable) -> None:
    """Plug in functions by name (see the module docstring); an unknown name is an error."""
    for name, function in functions.items():
        if not hasattr(extensions, name):
            raise TypeError(f"courses.extensions has no {name!r}")
        setattr(extensions, name, function)
