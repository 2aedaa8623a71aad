"""Question bank import and export in the JSON format of docs/assessments.md.

    {"format": "academie-questions", "version": 1, "questions": [ {...}, ... ]}

Import validates the whole file first and writes nothing when any item is wrong; the report
names each error by item number (1-based), the question's code and, for JSON syntax errors, the
line and column. Questions are matched by `code`: an existing question is updated (its rows
replaced), a new one created.
"""
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.json_input import JsonInputError, json_parse
from assessments.grading import ResponseError, parse_decimal
from assessments.models import CODE_RE, Choice, Difficulty, Question, QuestionType, TextMatch
from skills.models import Skill

FORMAT = "academie-questions"
VERSION = 1
MAX_ITEMS = 5000
TYPES = set(QuestionType.values)
KNOWN_KEYS = {"code", "type", "text", "explanation", "difficulty", "points", "skills", "partial_credit",
              "choices", "answer", "tolerance", "match", "accepted", "items", "pairs", "active"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        """What was created and updated, with the right plurals."""
        return ngettext("%(n)s question créée", "%(n)s questions créées", self.created) % {"n": self.created} + \
            ", " + ngettext("%(n)s mise à jour.", "%(n)s mises à jour.", self.updated) % {"n": self.updated}


def _line_of_items(text: str) -> list[int]:
    """Best effort: the line on which each item of "questions" starts (for error messages)."""
    lines = []
    decoder = json.JSONDecoder()
    match = re.search(r'"questions"\s*:\s*\[', text)
    if not match:
        return lines
    pos = match.end()
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        try:
            _value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        pos = end


def _check_item(item, skills_by_code: dict) -> tuple[dict | None, list[str]]:
    """Validate one item; return (normalised data, errors)."""
    errors: list[str] = []
    if not isinstance(item, dict):
        return None, [_("un objet JSON est attendu")]
    unknown = sorted(set(item) - KNOWN_KEYS)
    if unknown:
        errors.append(ngettext("champ inconnu : %(keys)s", "champs inconnus : %(keys)s", len(unknown))
                      % {"keys": ", ".join(unknown)})
    code = item.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        errors.append(_("« code » manquant ou invalide"))
    qtype = item.get("type")
    if qtype not in TYPES:
        errors.append(_("« type » doit être l'un de : %(types)s") % {"types": ", ".join(sorted(TYPES))})
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(_("« text » (l'énoncé) est obligatoire"))
    explanation = item.get("explanation", "")
    if not isinstance(explanation, str):
        errors.append(_("« explanation » doit être un texte"))
    difficulty = item.get("difficulty", 2)
    if difficulty not in Difficulty.values or isinstance(difficulty, bool):
        errors.append(_("« difficulty » doit valoir 1, 2 ou 3"))
    points = item.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 100:
        errors.append(_("« points » doit être un entier entre 1 et 100"))
    partial = item.get("partial_credit", False)
    if not isinstance(partial, bool):
        errors.append(_("« partial_credit » doit valoir true ou false"))
    active = item.get("active", True)
    if not isinstance(active, bool):
        errors.append(_("« active » doit valoir true ou false"))
    skill_codes = item.get("skills", [])
    if not isinstance(skill_codes, list) or not all(isinstance(s, str) for s in skill_codes):
        errors.append(_("« skills » doit être une liste de codes"))
        skill_codes = []
    missing = [s for s in skill_codes if s not in skills_by_code]
    if missing:
        errors.append(ngettext("compétence inconnue : %(codes)s", "compétences inconnues : %(codes)s", len(missing))
                      % {"codes": ", ".join(missing)})
    data = {
        "code": code, "type": qtype, "text": text, "explanation": explanation or "", "difficulty": difficulty,
        "points": points, "partial_credit": partial, "active": active,
        "skills": [skills_by_code[s] for s in skill_codes if s in skills_by_code],
        "rows": [], "true_false_answer": None, "numeric_answer": None, "numeric_tolerance": Decimal(0),
        "text_match": TextMatch.NORMALISED,
    }
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        choices = item.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            errors.append(_("« choices » : au moins deux choix"))
        else:
            for n, choice in enumerate(choices, start=1):
                if (not isinstance(choice, dict) or not isinstance(choice.get("text"), str)
                        or not choice["text"].strip() or not isinstance(choice.get("correct", False), bool)):
                    errors.append(_("choix %(n)s : {\"text\": \"…\", \"correct\": true|false} attendu") % {"n": n})
                else:
                    data["rows"].append({"text": choice["text"], "is_correct": choice.get("correct", False)})
            correct = sum(1 for r in data["rows"] if r["is_correct"])
            if qtype == QuestionType.SINGLE and correct != 1 and len(data["rows"]) == len(choices):
                errors.append(_("un choix unique demande exactement une bonne réponse"))
            if qtype == QuestionType.MULTIPLE and correct < 1 and len(data["rows"]) == len(choices):
                errors.append(_("un choix multiple demande au moins une bonne réponse"))
    elif qtype == QuestionType.TRUE_FALSE:
        if not isinstance(item.get("answer"), bool):
            errors.append(_("« answer » doit valoir true ou false"))
        data["true_false_answer"] = item.get("answer")
    elif qtype == QuestionType.NUMERIC:
        try:
            data["numeric_answer"] = parse_decimal(item.get("answer"))
            data["numeric_tolerance"] = parse_decimal(item.get("tolerance", 0))
            if data["numeric_tolerance"] < 0:
                raise ResponseError("tolerance")
        except ResponseError:
            errors.append(_("« answer » et « tolerance » doivent être des nombres (tolérance ≥ 0)"))
    elif qtype == QuestionType.SHORT_TEXT:
        match = item.get("match", TextMatch.NORMALISED)
        if match not in TextMatch.values:
            errors.append(_("« match » doit valoir exact, normalised ou pattern"))
        data["text_match"] = match
        accepted = item.get("accepted")
        if not isinstance(accepted, list) or not accepted or not all(isinstance(a, str) and a.strip() for a in accepted):
            errors.append(_("« accepted » : au moins une réponse acceptée"))
        else:
            for answer in accepted:
                if match == TextMatch.PATTERN:
                    try:
                        re.compile(answer)
                    except re.error as exc:
                        errors.append(_("motif invalide « %(p)s » : %(e)s") % {"p": answer, "e": exc})
                data["rows"].append({"text": answer, "is_correct": True})
    elif qtype == QuestionType.ORDERING:
        items = item.get("items")
        if not isinstance(items, list) or len(items) < 2 or not all(isinstance(i, str) and i.strip() for i in items):
            errors.append(_("« items » : au moins deux éléments, dans le bon ordre"))
        else:
            data["rows"] = [{"text": i} for i in items]
    elif qtype == QuestionType.MATCHING:
        pairs = item.get("pairs")
        if (not isinstance(pairs, list) or len(pairs) < 2
                or not all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) and x.strip() for x in p)
                           for p in pairs)):
            errors.append(_("« pairs » : au moins deux paires [\"terme\", \"correspondant\"]"))
        else:
            data["rows"] = [{"text": left, "match_text": right} for left, right in pairs]
    for row in data["rows"]:
        if len(row["text"]) > 500 or len(row.get("match_text", "")) > 500:
            errors.append(_("un texte de choix dépasse 500 caractères"))
            break
    return data, errors


def questions_import(*, text: str, actor=None, dry_run: bool = False) -> ImportReport:
    """Import a question file (see the module docstring). Nothing is written when the report has
    errors, or when `dry_run`."""
    report = ImportReport()
    try:
        payload = json_parse(text)
    except JsonInputError as exc:
        report.errors.append(exc.message if exc.line is None else _("Ligne %(line)s, colonne %(col)s : %(msg)s") % {
            "line": exc.line, "col": exc.column, "msg": exc.message})
        return report
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        report.errors.append(_("Ce n'est pas un fichier de questions : « format » doit valoir « %(f)s ».") % {"f": FORMAT})
        return report
    if payload.get("version") != VERSION:
        report.errors.append(_("Version %(v)s non prise en charge (attendue : %(expected)s).") % {
            "v": payload.get("version"), "expected": VERSION})
        return report
    items = payload.get("questions")
    if not isinstance(items, list):
        report.errors.append(_("« questions » doit être une liste."))
        return report
    if len(items) > MAX_ITEMS:
        report.errors.append(_("Trop de questions (%(n)s, au plus %(max)s).") % {"n": len(items), "max": MAX_ITEMS})
        return report
    lines = _line_of_items(text)
    skills_by_code = {s.code: s for s in Skill.objects.all()}
    seen: dict[str, int] = {}
    valid = []
    for n, item in enumerate(items, start=1):
        data, errors = _check_item(item, skills_by_code)
        code = data["code"] if data and isinstance(data.get("code"), str) else "?"
        if data and code in seen:
            errors.append(_("code déjà utilisé par la question %(n)s du fichier") % {"n": seen[code]})
        elif data:
            seen[code] = n
        where = _("Question %(n)s (%(code)s)") % {"n": n, "code": code}
        if n <= len(lines):
            where = _("Question %(n)s (%(code)s, ligne %(line)s)") % {"n": n, "code": code, "line": lines[n - 1]}
        report.errors.extend(f"{where} : {error}" for error in errors)
        if data and not errors:
            valid.append(data)
    if report.errors or dry_run:
        existing = set(Question.objects.filter(code__in=[d["code"] for d in valid]).values_list("code", flat=True))
        report.updated = len(existing)
        report.created = len(valid) - len(existing)
        return report
    with transaction.atomic():
        for data in valid:
            question, created = Question.objects.get_or_create(code=data["code"], defaults={"text": data["text"]})
            for name in ("type", "text", "explanation", "difficulty", "points", "partial_credit", "active",
                         "true_false_answer", "numeric_answer", "numeric_tolerance", "text_match"):
                setattr(question, name, data[name])
            question.save()
            question.skills.set(data["skills"])
            question.save()
            Choice.objects.filter(question=question).delete()
            Choice.objects.bulk_create([
                Choice(question=question, sort_order=i, text=row["text"], is_correct=row.get("is_correct", False),
                       match_text=row.get("match_text", ""))
                for i, row in enumerate(data["rows"])
            ])
            if created:
                report.created += 1
            else:
                report.updated += 1
        if actor is not None:
            from academy.services import audit_log

            audit_log(actor=actor, action="questions.import",
                      data={"created": report.created, "updated": report.updated})
    return report


def question_export(question: Question) -> dict:
    """One question in the import format."""
    rows = list(question.choices.all().order_by("sort_order", "id"))
    item = {
        "code": question.code, "type": question.type, "text": question.text, "explanation": question.explanation,
        "difficulty": question.difficulty, "points": question.points,
        "skills": sorted(s.code for s in question.skills.all()), "active": question.active,
    }
    qtype = question.type
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        item["choices"] = [{"text": r.text, "correct": r.is_correct} for r in rows]
        if qtype == QuestionType.MULTIPLE:
            item["partial_credit"] = question.partial_credit
    elif qtype == QuestionType.TRUE_FALSE:
        item["answer"] = bool(question.true_false_answer)
    elif qtype == QuestionType.NUMERIC:
        item["answer"] = str(question.numeric_answer.normalize()) if question.numeric_answer is not None else None
        item["tolerance"] = str(question.numeric_tolerance.normalize())
    elif qtype == QuestionType.SHORT_TEXT:
        item["match"] = question.text_match
        item["accepted"] = [r.text for r in rows]
    elif qtype == QuestionType.ORDERING:
        item["items"] = [r.text for r in rows]
        item["partial_credit"] = question.partial_credit
    elif qtype == QuestionType.MATCHING:
        item["pairs"] = [[r.text, r.match_text] for r in rows]
        item["partial_credit"] = question.partial_credit
    return item


def questions_export(*, queryset=None) -> str:
    """The question bank (or `queryset`) as a JSON document in the import format."""
    qs = (queryset if queryset is not None else Question.objects.all()).prefetch_related("skills", "choices")
    payload = {"format": FORMAT, "version": VERSION, "questions": [question_export(q) for q in qs.order_by("code")]}
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
