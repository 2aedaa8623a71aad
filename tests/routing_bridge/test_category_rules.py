"""Category rules: prefix inheritance, CSV import (validated whole, line numbers) and export."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from routing_bridge.category_rules import category_route, category_rule_for
from routing_bridge.errors import UnknownCategory
from routing_bridge.models import CategoryRule
from routing_bridge.services import category_rule_save, category_rules_export, category_rules_import
from tests.factories import SkillFactory

GOOD = """category,required,optional,tiers,description
Réseau,NET.LAN:2,,N1;N2;N3,Réseau
Réseau > VPN,NET.VPN:2,NET.LAN:1,N1;N2,Accès distant
"""


@pytest.fixture
def net(db):
    return {code: SkillFactory(code=code) for code in ("NET.LAN", "NET.VPN")}


def test_a_sub_category_without_its_own_rule_inherits_its_parent(net):
    category_rules_import(content=GOOD)
    assert category_rule_for(category="Réseau > VPN > IPsec").category == "Réseau > VPN"
    assert category_rule_for(category="Réseau > Wi-Fi").category == "Réseau"
    assert category_rule_for(category="réseau>vpn").category == "Réseau > VPN"  # as routers spell it
    assert category_rule_for(category="Téléphonie") is None


def test_an_unknown_category_suggests_the_closest_ones(net):
    category_rules_import(content=GOOD)
    with pytest.raises(UnknownCategory) as caught:
        category_route(category="Reseau > VPNN")
    assert caught.value.extra["suggestions"][0] == "Réseau > VPN"


def test_an_inactive_rule_is_ignored(net):
    category_rules_import(content=GOOD)
    CategoryRule.objects.filter(category="Réseau > VPN").update(active=False)
    assert category_rule_for(category="Réseau > VPN").category == "Réseau"


def test_the_import_reports_every_error_with_its_line_and_imports_nothing(net):
    bad = GOOD + "Réseau > Wi-Fi,NET.WIFI:2,,N1,\nRéseau > VPN,NET.VPN:9,,N4,\n"
    report = category_rules_import(content=bad)
    assert not report.ok
    text = "\n".join(report.errors)
    assert "ligne 4" in text and "NET.WIFI" in text
    assert "ligne 5" in text and "N4" in text and "déjà vue ligne 3" in text and "entre 1 et 4" in text
    assert CategoryRule.objects.count() == 0


def test_a_partial_import_keeps_the_valid_rows(net):
    report = category_rules_import(content=GOOD + "Réseau > Wi-Fi,NET.WIFI:2,,N1,\n", partial=True)
    assert report.created == 2 and len(report.errors) == 1


def test_importing_the_same_file_twice_changes_nothing(net):
    first = category_rules_import(content=GOOD)
    second = category_rules_import(content=GOOD)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)


# What GOOD exports: its rules for any type, with the `ticket_type` column (version 1.1).
GOOD_EXPORTED = """category,required,optional,tiers,ticket_type,description
Réseau,NET.LAN:2,,N1;N2;N3,,Réseau
Réseau > VPN,NET.VPN:2,NET.LAN:1,N1;N2,,Accès distant
"""


def test_export_gives_back_what_was_imported(net):
    category_rules_import(content=GOOD)
    assert category_rules_export() == GOOD_EXPORTED
    assert category_rules_import(content=category_rules_export()).unchanged == 2


def test_the_commands_import_and_export(tmp_path, net):
    path = tmp_path / "rules.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    call_command("import_category_rules", str(path), stdout=out)
    assert "créées=2" in out.getvalue()
    out = StringIO()
    call_command("export_category_rules", stdout=out)
    assert out.getvalue() == GOOD_EXPORTED


def test_the_import_command_fails_loudly_and_imports_nothing_on_error(tmp_path, net):
    path = tmp_path / "rules.csv"
    path.write_text(GOOD + "X,UNKNOWN:2,,,\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_category_rules", str(path), stderr=err)
    assert "ligne 4" in err.getvalue()
    assert CategoryRule.objects.count() == 0


def test_saving_a_rule_normalises_its_path(net):
    category_rule_save(category="  Réseau>VPN ", required=[(net["NET.VPN"], 2)])
    assert CategoryRule.objects.get().category == "Réseau > VPN"


def test_an_error_after_a_blank_line_names_the_files_line(net):
    report = category_rules_import(content=GOOD + "\nRéseau > Wi-Fi,NET.WIFI:2,,N1,\n")
    assert report.errors == ["ligne 5 : required : compétence inconnue « NET.WIFI »"]


def test_a_file_in_latin_1_is_refused_with_the_line_of_the_bad_bytes(net):
    report = category_rules_import(content=GOOD.encode("latin-1"))
    assert len(report.errors) == 1 and report.errors[0].startswith("ligne 2 : encodage invalide")
