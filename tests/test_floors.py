"""The apps stand on floors (DESIGN.md): the project's import graph has no upward arrow and no
loop of files. The checker itself is shown to catch both on a planted tree."""
from pathlib import Path

from tests.floors import FLOORS, check

ROOT = Path(__file__).resolve().parent.parent


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_project_floors_hold():
    assert check(ROOT) == []


def test_every_app_folder_is_on_a_floor():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= {name.split(".")[0] for name in FLOORS}, apps


def test_an_upward_import_hidden_in_a_function_is_caught(tmp_path):
    root = _plant(tmp_path, {
        "academy/__init__.py": "",
        "academy/views.py": "def home():\n    from skills.selectors import gaps\n    return gaps()\n",
        "skills/__init__.py": "",
        "skills/selectors.py": "from academy import views\n\ndef gaps():\n    return []\n",
    })
    problems = check(root)
    assert any(p.startswith("upward import: academy.views (line 2) imports skills.selectors") for p in problems)
    # skills → academy is downward and allowed; the pair is also a loop of files.
    assert not any("upward import: skills" in p for p in problems)
    assert "loop of files: academy.views ↔ skills.selectors" in problems


def test_a_loop_inside_one_app_is_caught(tmp_path):
    root = _plant(tmp_path, {
        "routing_bridge/__init__.py": "",
        "routing_bridge/services.py": "from . import tasks\n",
        "routing_bridge/tasks.py": "from routing_bridge.webhooks import deliver\n",
        "routing_bridge/webhooks.py": "def deliver():\n    from .tasks import x\n",
    })
    assert check(root) == [
        "loop of files: routing_bridge.tasks ↔ routing_bridge.webhooks"]


def test_a_nested_app_is_its_own_floor(tmp_path):
    root = _plant(tmp_path, {
        "courses/__init__.py": "",
        "courses/models.py": "from courses.paths.models import Path\n",
        "courses/paths/__init__.py": "",
        "courses/paths/models.py": "from courses.models import Course\nPath = 1\n",
    })
    problems = check(root)
    assert any(p.startswith("upward import: courses.models (line 1) imports courses.paths.models") for p in problems)
