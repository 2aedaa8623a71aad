"""Question snapshots, answer validation and grading, as pure functions.

A *spec* is the JSON snapshot of a question taken when an attempt starts (see `spec_from_question`):
it holds the prompt, the options in the order shown to this attempt, each under a short key, and
the correct answer. `public_view(spec)` is what the browser may see before grading: the same
without anything that tells the answer. Responses are JSON values keyed by those option keys:

    single      {"choice": "b"}
    multiple    {"choices": ["a", "c"]}
    true_false  {"value": true}
    numeric     {"value": "3,5"}            (a number or a string; comma or dot)
    short_text  {"text": "gpupdate /force"}
    ordering    {"order": ["c", "a", "b"]}  (every item, first to last)
                {"ranks": {"c": 1, "b": 3}}  (a draft: some items ranked, or a rank given twice)
    matching    {"pairs": {"a": "2", "b": "1"}}  (left key → right key; some may be left out)

`response_clean(spec, raw)` validates a response and returns its canonical form or raises
`ResponseError`; `grade(spec, response)` returns the credit, between 0 and 1.
"""
import random
import re
import string
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.models import QuestionType

MAX_TEXT_LENGTH = 500
LEFT_KEYS = string.ascii_lowercase
RIGHT_KEYS = [str(n) for n in range(1, 100)]


class ResponseError(ValueError):
    """A response that does not fit its question (wrong shape, unknown option, bad number)."""


def _keys(n: int) -> list[str]:
    # a..z then aa, ab, … (questions rarely have more than a handful of options)
    keys = list(LEFT_KEYS[:n])
    i = 0
    while len(keys) < n:
        keys.append(LEFT_KEYS[i // 26] + LEFT_KEYS[i % 26])
        i += 1
    return keys


def spec_from_question(question, *, rng: random.Random, shuffle_choices: bool) -> dict:
    """Snapshot `question` for one attempt. Options are shuffled with `rng` when `shuffle_choices`;
    ordering items and the right column of a matching question are always shuffled (their natural
    order would give the answer away), and keys are given in the shown order."""
    rows = list(question.choices.all().order_by("sort_order", "id"))
    spec = {
        "type": question.type,
        "code": question.code,
        "text": question.text,
        "explanation": question.explanation,
        "points": question.points,
        "difficulty": question.difficulty,
        "partial_credit": bool(question.partial_credit),
        "skills": sorted(s.code for s in question.skills.all()),
    }
    qtype = question.type
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if shuffle_choices:
            rng.shuffle(rows)
        spec["options"] = [
            {"key": key, "text": row.text, "correct": bool(row.is_correct)}
            for key, row in zip(_keys(len(rows)), rows)
        ]
    elif qtype == QuestionType.TRUE_FALSE:
        spec["answer"] = bool(question.true_false_answer)
    elif qtype == QuestionType.NUMERIC:
        # "f": 90 stays "90", where str() of the normalised value would give "9E+1".
        spec["answer"] = (format(question.numeric_answer.normalize(), "f")
                          if question.numeric_answer is not None else None)
        spec["tolerance"] = format(question.numeric_tolerance.normalize(), "f")
    elif qtype == QuestionType.SHORT_TEXT:
        spec["match"] = question.text_match
        spec["accepted"] = [row.text for row in rows]
    elif qtype == QuestionType.ORDERING:
        correct = list(rows)
        shown = _derange(correct, rng)
        keys = _keys(len(shown))
        key_of = {row.pk: key for key, row in zip(keys, shown)}
        spec["items"] = [{"key": key_of[row.pk], "text": row.text} for row in shown]
        spec["correct_order"] = [key_of[row.pk] for row in correct]
    elif qtype == QuestionType.MATCHING:
        left = list(rows)
        if shuffle_choices:
            rng.shuffle(left)
        right = _derange(list(rows), rng)
        left_keys = _keys(len(left))
        right_keys = RIGHT_KEYS[: len(right)]
        right_key_of = {row.pk: key for key, row in zip(right_keys, right)}
        spec["left"] = [{"key": key, "text": row.text} for key, row in zip(left_keys, left)]
        spec["right"] = [{"key": right_key_of[row.pk], "text": row.match_text} for row in right]
        spec["pairs"] = {key: right_key_of[row.pk] for key, row in zip(left_keys, left)}
    return spec


def _derange(rows: list, rng: random.Random) -> list:
    """A shuffled copy that differs from `rows` whenever there are at least two rows."""
    shown = list(rows)
    if len(shown) < 2:
        return shown
    for _attempt in range(20):
        rng.shuffle(shown)
        if shown != rows:
            return shown
    return rows[1:] + rows[:1]


def public_view(spec: dict) -> dict:
    """What the browser may see of a question before grading: no correctness, no answers."""
    view = {key: spec[key] for key in ("type", "text", "points") if key in spec}
    if "options" in spec:
        view["options"] = [{"key": o["key"], "text": o["text"]} for o in spec["options"]]
    if "items" in spec:
        view["items"] = [dict(item) for item in spec["items"]]
    if "left" in spec:
        view["left"] = [dict(item) for item in spec["left"]]
        view["right"] = [dict(item) for item in spec["right"]]
    return view


def parse_decimal(value) -> Decimal:
    """A number typed by a person: `3,5`, `3.5`, ` 1 000,25 `. Raises ResponseError."""
    if isinstance(value, bool) or value is None:
        raise ResponseError(_("nombre attendu"))
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise ResponseError(_("nombre attendu"))
    text = value.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text or len(text) > 40:
        raise ResponseError(_("nombre attendu"))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ResponseError(_("nombre attendu")) from None
    if not number.is_finite():
        raise ResponseError(_("nombre attendu"))
    return number


def response_clean(spec: dict, raw) -> dict | None:
    """Validate a response against its question; return the canonical response, or None for an
    empty answer (nothing chosen, nothing typed). Raises ResponseError with a short reason."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ResponseError(_("objet JSON attendu"))
    qtype = spec["type"]
    if qtype == "single":
        choice = raw.get("choice")
        if choice in (None, ""):
            return None
        if choice not in {o["key"] for o in spec["options"]}:
            raise ResponseError(_("choix inconnu"))
        return {"choice": choice}
    if qtype == "multiple":
        choices = raw.get("choices")
        if choices is None:
            return None
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise ResponseError(_("liste de choix attendue"))
        keys = [o["key"] for o in spec["options"]]
        if len(set(choices)) != len(choices) or not set(choices) <= set(keys):
            raise ResponseError(_("choix inconnu ou répété"))
        if not choices:
            return None
        return {"choices": [k for k in keys if k in choices]}
    if qtype == "true_false":
        value = raw.get("value")
        if value is None or value == "":
            return None
        if value in ("true", "vrai"):
            value = True
        elif value in ("false", "faux"):
            value = False
        if not isinstance(value, bool):
            raise ResponseError(_("vrai ou faux attendu"))
        return {"value": value}
    if qtype == "numeric":
        value = raw.get("value")
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return {"value": str(parse_decimal(value))}
    if qtype == "short_text":
        text = raw.get("text")
        if text is None:
            return None
        if not isinstance(text, str):
            raise ResponseError(_("texte attendu"))
        if len(text) > MAX_TEXT_LENGTH:
            raise ResponseError(_("réponse trop longue"))
        if not text.strip():
            return None
        return {"text": text}
    if qtype == "ordering":
        keys = [item["key"] for item in spec["items"]]
        if "ranks" in raw:
            return _ranks_clean(keys, raw["ranks"])
        order = raw.get("order")
        if order is None:
            return None
        if not isinstance(order, list) or sorted(order, key=str) != sorted(keys):
            raise ResponseError(_("chaque élément doit apparaître une fois"))
        return {"order": list(order)}
    if qtype == "matching":
        pairs = raw.get("pairs")
        if pairs is None:
            return None
        if not isinstance(pairs, dict):
            raise ResponseError(_("associations attendues"))
        left = {item["key"] for item in spec["left"]}
        right = {item["key"] for item in spec["right"]}
        cleaned = {}
        for key, value in pairs.items():
            if value in (None, ""):
                continue
            if key not in left or value not in right:
                raise ResponseError(_("association inconnue"))
            cleaned[key] = value
        return {"pairs": cleaned} if cleaned else None
    raise ResponseError(_("type de question inconnu"))


def _ranks_clean(keys: list[str], ranks) -> dict | None:
    """An ordering given as ranks (1 = first): the full order when every item has its own rank,
    else the ranks given so far, kept as a draft; None when nothing is ranked."""
    if not isinstance(ranks, dict):
        raise ResponseError(_("rangs attendus"))
    cleaned = {}
    for key, rank in ranks.items():
        if rank in (None, ""):
            continue
        if isinstance(rank, str) and rank.strip().isdigit():
            rank = int(rank)
        if key not in keys or isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= len(keys):
            raise ResponseError(_("rang inconnu"))
        cleaned[key] = rank
    if not cleaned:
        return None
    if sorted(cleaned.values()) == list(range(1, len(keys) + 1)):
        return {"order": sorted(cleaned, key=cleaned.get)}
    return {"ranks": cleaned}


def submit_error(spec: dict, response: dict | None) -> str:
    """Why `response` (already cleaned) cannot be handed in as it stands, or "": a draft is
    fine while answering, but an ordering must be complete (or cleared) to be submitted."""
    if response is not None and "ranks" in response:
        return _("Classement incomplet : numérotez chaque élément une fois.")
    return ""


def number_text(value) -> str:
    """A number as a person reads it in the active language: « 90 », « 2,5 » (never « 9E+1 »)."""
    return number_format(Decimal(value))


def pattern_example(pattern: str) -> str:
    """An answer that `pattern` accepts, for corrections: the pattern read literally (`\\s+` as
    a space, escaped punctuation as itself), when it is a literal the pattern accepts; "" when
    it is more than that (alternatives, classes, repetitions). A learner never sees the pattern."""
    out, i = [], 0
    body = pattern.removeprefix("^").removesuffix("$")
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "s":
                out.append(" ")
                i += 3 if body[i + 2:i + 3] in ("+", "*") else 2
                continue
            if nxt.isalnum():
                return ""  # \d, \w, \b…: not a literal
            out.append(nxt)
            i += 2
            continue
        if ch in ".[](){}|?*+^$":
            return ""
        out.append(ch)
        i += 1
    example = " ".join("".join(out).split())
    return example if example and pattern_matches(pattern, example) else ""


def normalise_text(text: str) -> str:
    """Case, accents and spaces do not matter: « Gpupdate  /FORCE » equals « gpupdate /force »."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def pattern_matches(pattern: str, text: str) -> bool:
    """A pattern answer matches the whole (trimmed) answer, case-insensitively."""
    try:
        return re.fullmatch(pattern, text.strip(), flags=re.IGNORECASE) is not None
    except re.error:
        return False


def grade(spec: dict, response: dict | None) -> float:
    """The credit earned by `response` (already cleaned), between 0 and 1. An empty response
    earns 0. Partial credit, when the question allows it:
    - multiple: (right choices ticked − wrong choices ticked) / right choices, at least 0;
    - ordering: share of items in their place;
    - matching: share of pairs right.
    Without partial credit these are all-or-nothing."""
    if response is None:
        return 0.0
    qtype = spec["type"]
    partial = spec.get("partial_credit", False)
    if qtype == "single":
        correct = {o["key"] for o in spec["options"] if o["correct"]}
        return 1.0 if response["choice"] in correct else 0.0
    if qtype == "multiple":
        correct = {o["key"] for o in spec["options"] if o["correct"]}
        chosen = set(response["choices"])
        if chosen == correct:
            return 1.0
        if not partial or not correct:
            return 0.0
        return max(0.0, (len(chosen & correct) - len(chosen - correct)) / len(correct))
    if qtype == "true_false":
        return 1.0 if response["value"] is spec["answer"] else 0.0
    if qtype == "numeric":
        value = Decimal(response["value"])
        return 1.0 if abs(value - Decimal(spec["answer"])) <= Decimal(spec["tolerance"]) else 0.0
    if qtype == "short_text":
        text = response["text"]
        mode = spec.get("match", "normalised")
        for accepted in spec["accepted"]:
            if mode == "exact" and text.strip() == accepted.strip():
                return 1.0
            if mode == "normalised" and normalise_text(text) == normalise_text(accepted):
                return 1.0
            if mode == "pattern" and pattern_matches(accepted, text):
                return 1.0
        return 0.0
    if qtype == "ordering":
        correct = spec["correct_order"]
        if "ranks" in response:  # a draft handed in at the deadline: only items in their place count
            placed = sum(1 for key, rank in response["ranks"].items()
                         if rank <= len(correct) and correct[rank - 1] == key)
            return placed / len(correct) if partial else 0.0
        order = response["order"]
        if order == correct:
            return 1.0
        if not partial:
            return 0.0
        return sum(1 for a, b in zip(order, correct) if a == b) / len(correct)
    if qtype == "matching":
        pairs = spec["pairs"]
        given = response["pairs"]
        right = sum(1 for key, value in pairs.items() if given.get(key) == value)
        if right == len(pairs):
            return 1.0
        if not partial:
            return 0.0
        return right / len(pairs)
    return 0.0


def correct_answer_text(spec: dict) -> str:
    """A readable statement of the correct answer, for corrections after grading."""
    qtype = spec["type"]
    if qtype in ("single", "multiple"):
        return " ; ".join(o["text"] for o in spec["options"] if o["correct"])
    if qtype == "true_false":
        return _("Vrai") if spec["answer"] else _("Faux")
    if qtype == "numeric":
        tol = Decimal(spec["tolerance"])
        return number_text(spec["answer"]) + (f" (± {number_text(tol)})" if tol else "")
    if qtype == "short_text":
        if spec.get("match") != "pattern":
            return " ; ".join(spec["accepted"])
        examples = [pattern_example(pattern) for pattern in spec["accepted"]]
        return " ; ".join(example for example in examples if example)
    if qtype == "ordering":
        text_of = {item["key"]: item["text"] for item in spec["items"]}
        return " → ".join(text_of[k] for k in spec["correct_order"])
    if qtype == "matching":
        left = {item["key"]: item["text"] for item in spec["left"]}
        right = {item["key"]: item["text"] for item in spec["right"]}
        return " ; ".join(f"{left[k]} ↔ {right[v]}" for k, v in spec["pairs"].items())
    return ""


def response_text(spec: dict, response: dict | None, *, localize: bool = True) -> str:
    """A readable form of a response (result pages, item analysis; the xAPI `response` with
    `localize=False`: numbers as stored, with a dot)."""
    if response is None:
        return ""
    qtype = spec["type"]
    if qtype == "single":
        return next((o["text"] for o in spec["options"] if o["key"] == response["choice"]), "")
    if qtype == "multiple":
        return " ; ".join(o["text"] for o in spec["options"] if o["key"] in response["choices"])
    if qtype == "true_false":
        return _("Vrai") if response["value"] else _("Faux")
    if qtype == "numeric":
        return number_text(response["value"]) if localize else response["value"]
    if qtype == "short_text":
        return response["text"].strip()
    if qtype == "ordering":
        text_of = {item["key"]: item["text"] for item in spec["items"]}
        order = response.get("order") or sorted(response["ranks"], key=response["ranks"].get)
        return " → ".join(text_of.get(k, "?") for k in order)
    if qtype == "matching":
        left = {item["key"]: item["text"] for item in spec["left"]}
        right = {item["key"]: item["text"] for item in spec["right"]}
        return " ; ".join(f"{left.get(k, '?')} ↔ {right.get(v, '?')}" for k, v in response["pairs"].items())
    return ""
