from types import SimpleNamespace

from skills.charts import LABEL_CHARS, skill_bars
from skills.selectors import SkillRow


def _row(code, name, level=2, required=3):
    return SkillRow(skill=SimpleNamespace(code=code, name=name), level=level, required=required)


def test_a_long_skill_name_is_shortened_with_an_ellipsis_and_kept_whole_in_the_tooltip():
    long_name = "Applications métier et bureautique des postes de travail partagés"
    chart = skill_bars([_row("PDT.APPS", long_name), _row("NET.LAN", "LAN")])
    long_bar, short_bar = chart["bars"]
    assert len(long_bar.label) == LABEL_CHARS and long_bar.label.endswith("…")
    assert long_bar.full_label == f"PDT.APPS — {long_name}"
    assert short_bar.label == short_bar.full_label == "NET.LAN — LAN"
    assert short_bar.required_x == chart["label_width"] + 3 * 80  # level 3 of 4 on a 320 px bar area
