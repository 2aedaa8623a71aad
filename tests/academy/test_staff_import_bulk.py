"""import_staff writes set-wise (bulk_create / bulk_update send no post_save): the Wagtail search
index and reference index must still follow, as they did when every row was saved one by one."""
import pytest
from django.contrib.contenttypes.models import ContentType
from wagtail.models import ReferenceIndex
from wagtail.search.backends import get_search_backend

from academy.models import Staff, Team
from academy.staff_import import staff_import

pytestmark = pytest.mark.django_db

HEADER = "employee_id,username,email,first_name,last_name,team,profile,tier,manager_employee_id,languages"
FIRST = f"""{HEADER}
E1,alice,alice@example.test,Alice,Aubert,Support N1 Paris,technicien,N1,E3,fr;en
E2,bruno,bruno@example.test,Bruno,Blanc,Support N1 Paris,technician,N1,E3,fr
E3,carole,carole@example.test,Carole,Colin,Expertise N3,Ingénieur,N3,,fr;en;de
"""
# Alice moves team and manager, Bruno is renamed.
SECOND = f"""{HEADER}
E1,alice,alice@example.test,Alice,Aubert,Projets,technicien,N1,E2,fr;en
E2,bruno,bruno@example.test,Bruno,Bertrand,Support N1 Paris,technician,N1,E3,fr
E3,carole,carole@example.test,Carole,Colin,Expertise N3,Ingénieur,N3,,fr;en;de
"""


def references(model):
    content_type = ContentType.objects.get_for_model(model)
    return sorted(ReferenceIndex.objects.filter(base_content_type=content_type).values_list(
        "object_id", "to_content_type_id", "to_object_id", "model_path", "content_path", "content_path_hash"))


def references_as_wagtail_writes_them(model):
    """Let Wagtail recompute the index of every object, as a post_save would."""
    for obj in model.objects.all():
        ReferenceIndex.create_or_update_for_object(obj)
    return references(model)


def found(query, model=Staff):
    return sorted(str(obj) for obj in get_search_backend().search(query, model))


@pytest.mark.parametrize("text", [FIRST, SECOND])
def test_the_reference_index_is_what_saving_each_row_would_write(text):
    assert staff_import(content=FIRST.encode()).ok
    if text is SECOND:
        assert staff_import(content=SECOND.encode()).updated == 2
    written = references(Staff)
    team = ContentType.objects.get_for_model(Team).pk
    alice = Staff.objects.get(employee_id="E1")
    assert (str(alice.pk), team, str(alice.team_id), "team", "team") in [row[:5] for row in written]
    assert written == references_as_wagtail_writes_them(Staff)
    assert references(Team) == references_as_wagtail_writes_them(Team)


def test_imported_people_are_found_by_the_admin_search_under_their_new_name():
    staff_import(content=FIRST.encode())
    assert found("Blanc") == ["Bruno Blanc (E2)"]
    staff_import(content=SECOND.encode())
    assert found("Bertrand") == ["Bruno Bertrand (E2)"]
    assert found("Projets", Team) == ["Projets"]


def test_the_search_index_entries_are_those_wagtail_writes():
    from wagtail.search.backends import get_search_backends

    staff_import(content=FIRST.encode())
    staff_import(content=SECOND.encode())

    def entries():
        from modelsearch.conf import get_app_config

        model = get_app_config().get_model("IndexEntry")
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return sorted(tuple(str(value) for value in row) for row in model.objects.values_list(*fields))

    written = entries()
    assert written
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(Staff, list(Staff.objects.select_related("user")))
        backend.add_bulk(Team, list(Team.objects.all()))
    assert entries() == written
