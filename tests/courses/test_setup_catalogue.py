from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import GroupPagePermission, Site

from academy.roles import CONTENT_EDITOR
from courses.models import CatalogueIndexPage


def test_a_fresh_installation_gets_its_catalogue_and_editor_rights_once(db):
    call_command("setup_catalogue")
    call_command("setup_catalogue")
    catalogue = CatalogueIndexPage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == catalogue.pk
    editors = Group.objects.get(name=CONTENT_EDITOR)
    granted = set(GroupPagePermission.objects.filter(group=editors, page=catalogue)
                  .values_list("permission__codename", flat=True))
    assert {"add_page", "change_page", "publish_page"} <= granted
