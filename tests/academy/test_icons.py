"""Icons are the site's own (static/img/icons.svg through templates/includes/icon.html): a glyph
that only an emoji font draws (⏱ on /equipe/) shows as an empty box on a machine without one."""
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SPRITE = Path(settings.BASE_DIR) / "static" / "img" / "icons.svg"
# Miscellaneous technical (⏱ ⌛ ⏰), miscellaneous symbols (⚠ ☎ ⛔) and the emoji planes. Arrows,
# ✓ and ≥ are in ordinary fonts and stay.
EMOJI_FONT_ONLY = re.compile("[\u2300-\u23ff\u2600-\u26ff\U0001f000-\U0001faff]")


def test_no_template_needs_an_emoji_font():
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {match.group()}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for match in EMOJI_FONT_ONLY.finditer(line)]
    assert not found, "use the site's icons (templates/includes/icon.html) instead of:\n" + "\n".join(found)


def test_every_icon_the_templates_ask_for_is_in_the_sprite():
    sprite = set(re.findall(r'<symbol id="([\w-]+)"', SPRITE.read_text(encoding="utf-8")))
    asked = {name for path in TEMPLATES.rglob("*.html")
             for name in re.findall(r'"includes/icon\.html" with name="([\w-]+)"', path.read_text(encoding="utf-8"))}
    assert "clock" in asked and asked <= sprite, asked - sprite
    html = render_to_string("includes/icon.html", {"name": "clock"})
    assert html == ('<svg class="icon icon-clock" aria-hidden="true" focusable="false">'
                    '<use href="/static/img/icons.svg#clock"></use></svg>')
