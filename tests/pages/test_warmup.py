"""What the server makes as it starts (ui/warmup.py), so the first sessions do not pay for it."""

from forum_core import i18n
from ui import render, runtime, warmup


def test_the_warm_up_compiles_every_template_and_reads_the_forum(demo_db):
    i18n.catalog.cache_clear()
    warmup.warm_up()
    env = render.environment()
    assert len(env.cache) >= len(env.list_templates())  # every template compiled once
    assert i18n.catalog.cache_info().currsize == len(i18n.LANGUAGES)
    assert runtime.database().cursor().execute("SELECT count(*) FROM forum").fetchone() == (1,)  # opened, migrated


def test_the_warm_up_takes_what_the_first_runs_paid_for(demo_db, monkeypatch):
    """Found by profiling 16 first runs at once: the pages' imports, Streamlit's emoji catalog and
    its legacy pages/ check, the public results page; each made here, not in a first run."""
    import sys

    from streamlit.runtime.pages_manager import PagesManager

    from ui import public_results

    names = warmup.page_imports()
    assert {"forum_core.printing", "ui.desk", "streamlit"} <= set(names)  # read from the pages' own lines
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    made = public_results.made
    warmup.warm_up()
    assert PagesManager.uses_pages_directory is False and "streamlit.emojis" in sys.modules
    assert [n for n in names if n not in sys.modules and not _a_name_in_a_module(n)] == []
    assert public_results.made == made + len(i18n.LANGUAGES)  # the phones' first page, in each language


def _a_name_in_a_module(name: str) -> bool:
    """``from x import y`` where y is a function or class of x, not a module."""
    import importlib

    module, _, attribute = name.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False
