"""The closed vocabularies (forum_core.vocabulary): every action and reason has words in
both languages and every action a permission rule; the code uses no reason outside them."""

import ast
import re
from pathlib import Path

import pytest

from forum_core import i18n
from forum_core.vocabulary import GROUP_SCOPED, PERMISSIONS, ROLES, Action, Reason, may_write

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted((ROOT / "forum_core").glob("*.py"))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_action_has_words(lang):
    catalog = i18n.catalog(lang)
    missing = [
        a.value
        for a in Action
        if not isinstance(catalog.get(f"action.{a.value}"), str) or not catalog[f"action.{a.value}"].strip()
    ]
    assert missing == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_reason_has_words(lang):
    catalog = i18n.catalog(lang)
    missing = [
        r.value
        for r in Reason
        if not isinstance(catalog.get(f"reason.{r.value}"), str) or not catalog[f"reason.{r.value}"].strip()
    ]
    assert missing == []


def test_the_action_and_reason_namespaces_hold_only_members():
    """``action.*`` and ``reason.*`` are the vocabularies' words, nothing else (button words are ``button.*``)."""
    for lang in i18n.LANGUAGES:
        keys = i18n.catalog(lang)
        assert sorted(k for k in keys if k.startswith("action.") and k[7:] not in set(Action)) == []
        assert sorted(k for k in keys if k.startswith("reason.") and k[7:] not in set(Reason)) == []


def test_every_action_has_a_permission_rule():
    assert sorted(a.value for a in Action if a not in PERMISSIONS) == []
    for action, roles in PERMISSIONS.items():
        assert roles and set(roles) <= set(ROLES), action


def test_group_scoped_actions_are_group_work():
    assert Action.PROBLEM_ADD in GROUP_SCOPED and Action.FORUM_UPDATE not in GROUP_SCOPED
    assert may_write("facilitator", "problem.add") and not may_write("facilitator", "forum.update")
    assert not may_write("organizer", "no.such_action")


def test_placeholders_match_between_languages():
    """Every key, in every plural form, has the same placeholders in ka and en."""
    ka, en = i18n.catalog("ka"), i18n.catalog("en")
    assert set(ka) == set(en)
    for key in ka:
        found = [set(re.findall(r"{(\w+)}", text)) for entry in (ka[key], en[key]) for text in i18n.forms(entry)]
        assert all(f == found[0] for f in found), (key, found)


# --- the code uses no reason outside the vocabulary -------------------------------------------


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Simple module-level assignments (``GREEN = Reason.CHECKED_IN``), to follow a name once."""
    return {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _reason_expressions(tree: ast.Module):
    """The reason given to every ``Outcome(ok, reason, ...)``, ``CheckInResult(status, ...)``
    and ``unit.refuse(reason, ...)`` call, positional or by keyword."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        position, keyword = {"Outcome": (1, "reason"), "CheckInResult": (0, "status"), "refuse": (0, "reason")}.get(
            name, (None, None)
        )
        if position is None:
            continue
        if len(node.args) > position and not isinstance(node.args[position], ast.Starred):
            yield node, node.args[position]
        for kw in node.keywords:
            if kw.arg == keyword:
                yield node, kw.value


def _literal_reasons(expr: ast.expr, constants: dict[str, ast.expr], seen=()):
    """Every reason an expression can literally name: a string, ``Reason.X``, ``Reason("x")``,
    either branch of a conditional (``"present" if ok else result.status``) and a module constant
    (``GREEN``). Computed values (``result.status``, ``Reason(row["status"])``) are not followed:
    they come from another result, checked where that is made, and ``Reason(...)`` checks at run time."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "Reason":
        yield f"Reason.{expr.attr}"
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "Reason" and expr.args:
        if isinstance(expr.args[0], ast.Constant):
            yield from _literal_reasons(expr.args[0], constants, seen)
    elif isinstance(expr, ast.IfExp):
        yield from _literal_reasons(expr.body, constants, seen)
        yield from _literal_reasons(expr.orelse, constants, seen)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _literal_reasons(value, constants, seen)
    elif isinstance(expr, ast.Name) and expr.id in constants and expr.id not in seen:
        yield from _literal_reasons(constants[expr.id], constants, (*seen, expr.id))


def _used_reasons():
    used = []
    for path in CORE:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = _module_constants(tree)
        for call, expr in _reason_expressions(tree):
            for reason in _literal_reasons(expr, constants):
                used.append((f"{path.name}:{call.lineno}", reason))
    return used


def test_outcome_and_check_in_reasons_are_in_the_vocabulary():
    used = _used_reasons()
    assert len(used) > 50, "the scan found too few reasons: the pattern is broken"
    members = {r.name for r in Reason}
    wrong = [
        (where, reason)
        for where, reason in used
        if (reason[7:] not in members if reason.startswith("Reason.") else reason not in set(Reason))
    ]
    assert wrong == []


def test_the_reason_scan_finds_a_wrong_reason():
    tree = ast.parse(
        "GREEN = Reason.CHECKED_IN\n"
        "def f(u):\n"
        '    u.refuse("no_such_reason")\n'
        '    return Outcome(False, "other" if u else Reason.NOPE), CheckInResult(GREEN)\n'
        '    return Outcome(True, Reason("odd")), CheckInResult(Reason(row["status"]))\n'
    )
    constants = _module_constants(tree)
    found = {r for _, expr in _reason_expressions(tree) for r in _literal_reasons(expr, constants)}
    assert found == {"no_such_reason", "other", "Reason.NOPE", "Reason.CHECKED_IN", "odd"}


# --- backup refusals have words where they are shown ------------------------------------------


def test_every_backup_error_has_words():
    """pages/setup.py shows ``backup.error_<code>``; ``python -m forum_core restore`` shows
    ``cli.restore_<code>`` (with ``path`` and ``detail``)."""
    source = (ROOT / "forum_core" / "backup.py").read_text(encoding="utf-8")
    codes = set(re.findall(r"""BackupError\(\s*["']([a-z_]+)["']""", source))
    assert {"not_a_backup", "too_large", "unknown_column"} <= codes
    for lang in i18n.LANGUAGES:
        catalog = i18n.catalog(lang)
        assert sorted(c for c in codes if f"backup.error_{c}" not in catalog) == [], lang
        assert sorted(c for c in codes if f"cli.restore_{c}" not in catalog) == [], lang
        for code in codes:
            assert set(re.findall(r"{(\w+)}", catalog[f"backup.error_{code}"])) == set(), code  # the page passes none
            assert set(re.findall(r"{(\w+)}", catalog[f"cli.restore_{code}"])) <= {"path", "detail"}, code
