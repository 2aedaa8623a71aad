"""Reads for assessments (issue 5 fills this in)."""


def course_final_exams_passed(*, staff, course) -> bool:
    """Has `staff` passed every exam that is a required final assessment of `course`?
    True when the course has none."""
    return True
