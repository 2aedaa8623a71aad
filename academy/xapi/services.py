"""Learning-records service (issue 7 fills this in): builds, validates, stores statements."""


def statement_record_for_event(*, staff, verb, activity, registration, parent, grouping, result, timestamp,
                               language):
    """Placeholder until the statement store exists: records nothing and returns None."""
    return None
