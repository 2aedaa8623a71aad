"""A small horizontal bar chart rendered server-side as inline SVG (no JavaScript, no CDN)."""
from dataclasses import dataclass

LABEL_WIDTH = 320  # room for LABEL_CHARS characters of 12 px text, right-aligned
LABEL_CHARS = 42
BAR_AREA = 320
ROW_HEIGHT = 26
TOP = 28


@dataclass
class Bar:
    label: str  # shortened to fit the label column, with an ellipsis
    full_label: str  # in the bar's tooltip
    y: int
    text_y: int
    level_width: int
    declared_width: int
    required_x: int | None
    level: int
    declared: int
    required: int


def skill_bars(rows, *, max_level: int = 4) -> dict:
    """Geometry for one bar per skill: the validated level (solid), the declared level (light,
    behind) and a tick at the required level. `rows` are skills.selectors.SkillRow."""
    unit = BAR_AREA / max_level
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        full_label = f"{row.skill.code} — {row.skill.name}"
        label = full_label if len(full_label) <= LABEL_CHARS else full_label[:LABEL_CHARS - 1].rstrip() + "…"
        bars.append(Bar(
            label=label, full_label=full_label, y=y, text_y=y + 15,
            level_width=int(row.level * unit), declared_width=int(min(row.declared, max_level) * unit),
            required_x=LABEL_WIDTH + int(row.required * unit) if row.required else None,
            level=row.level, declared=row.declared, required=row.required,
        ))
    ticks = [{"x": LABEL_WIDTH + int(level * unit), "level": level} for level in range(max_level + 1)]
    return {"bars": bars, "ticks": ticks, "width": LABEL_WIDTH + BAR_AREA + 20,
            "height": TOP + len(bars) * ROW_HEIGHT + 10, "label_width": LABEL_WIDTH, "axis_y": TOP - 8}
