"""Every key in one catalog is in the other, and every key the code uses exists."""
import re
from pathlib import Path

from forum_core import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("forum_core", "pages", "ui") for p in (ROOT / d).rglob("*.py")] + [ROOT / "app.py"]


def test_catalogs_have_the_same_keys():
    ka, en = i18n.catalog("ka"), i18n.catalog("en")
    assert sorted(set(ka) - set(en)) == []
    assert sorted(set(en) - set(ka)) == []


def test_placeholders_match_between_languages():
    ka, en = i18n.catalog("ka"), i18n.catalog("en")
    for key in ka:
        assert set(re.findall(r"{(\w+)}", ka[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_literal_key_used_in_the_code_exists():
    used = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*(?:lang,\s*|code,\s*)?["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
    assert used, "the scan found no keys: the pattern is broken"
    missing = sorted(k for k in used if k not in i18n.catalog("ka"))
    assert missing == []


def test_every_error_code_has_a_message():
    codes = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"""FieldError\([^,]+,\s*["']([a-z_]+)["']""", text))
        codes |= set(re.findall(r"""FileProblem\(\s*["']([a-z_]+)["']""", text))
    assert {"required", "bad_phone", "missing_columns"} <= codes
    assert sorted(c for c in codes if f"error.{c}" not in i18n.catalog("en")) == []


def test_outcome_reasons_shown_by_pages_exist():
    for reason in ("added", "saved", "unchanged", "stale", "invalid", "not_found", "removed", "moved"):
        assert f"participants.{reason}" in i18n.catalog("ka")


def test_translation_and_fallback():
    assert i18n.t("en", "error.out_of_range", min=1, max=20) == "The number must be between 1 and 20."
    assert i18n.t("xx", "nav.setup") == i18n.catalog("ka")["nav.setup"]
    assert i18n.normalize_language("EN") == "en" and i18n.normalize_language(None) == "ka"
