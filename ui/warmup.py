"""What every first page run needs, made once as the server starts (st.App's lifespan, app.py).

Without it the first sessions pay for it: importing pandas, Altair and the PDF library,
reading the catalogs, compiling the HTML templates, opening and migrating the database,
and the first read models. When 16 desks and tablets connect in the same second, each
would wait for all of that on a 2-core laptop.

Found by profiling the first runs of 16 devices connecting at once (py-spy on the server,
bench/phones.py): besides the above, the first sessions also paid for
- every module a page imports (the desk page imports the PDF library and its font tools
  for the walk-in badge, ~0.25 s of the first round): imported here, read from the pages'
  own import lines, so a new import on a page is warmed without a change here;
- Streamlit's emoji catalog (``st.set_page_config(page_icon=...)`` loads it and compiles
  its large pattern on first use, ~0.3 s);
- Streamlit's check for a legacy ``pages/`` folder: until the first ``st.navigation`` call
  the process ran each first page without navigation.py, which ``session.enter_page``
  then stopped and ran again (a second run, and ``st.rerun`` walking the call stack). The
  app always navigates with ``st.navigation``, so the flag is set as it starts;
- Streamlit's once-per-process check for a REPL before the first element (~0.1 s);
- the organizer code's check at the first start (a scrypt hash), made here once.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import logging
from pathlib import Path

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


def page_imports() -> list[str]:
    """The modules that navigation.py and the pages import (at the top or inside a function)."""
    names: list[str] = []
    for path in [ROOT / "navigation.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names]  # submodules (from ui import desk)
    return list(dict.fromkeys(names))


def _import_pages() -> None:
    for name in page_imports():
        with contextlib.suppress(ImportError):  # a name imported from a module, not a module of its own
            importlib.import_module(name)


def _streamlit() -> None:
    from streamlit import delta_generator, emojis, string_util  # noqa: F401  (the catalog and its pattern)
    from streamlit.runtime.pages_manager import PagesManager

    string_util.is_emoji("🗳️")
    PagesManager.uses_pages_directory = False  # navigation.py always calls st.navigation
    # Streamlit's once-per-process "are we in a REPL?" check before the first element is sent
    # walks the call stack and reads every frame's source file: ~0.1 s inside a script run's
    # deep stack, a few milliseconds from here. (A private function: if a Streamlit upgrade
    # removes it, the first run pays again and nothing else changes.)
    with contextlib.suppress(AttributeError):
        delta_generator._maybe_print_use_warning()


def warm_up() -> None:
    import altair  # noqa: F401  (charts)
    import pandas  # noqa: F401  (tables)

    _streamlit()
    _import_pages()

    from forum_core import deliberation, forum, i18n, plenary, report
    from ui import render, runtime

    for lang in i18n.LANGUAGES:
        i18n.catalog(lang)
    env = render.environment()
    for name in env.list_templates():
        env.get_template(name)  # compiled once, kept (the environment never evicts)
    with contextlib.suppress(Exception):  # a busy or missing file is said on the pages, not here
        db = runtime.database()
        forum_id = forum.current_forum_id(db.cursor())
        if forum_id is not None:
            plenary.snapshot(db, forum_id)  # the projector's and the phones' read models
            report.published_now(db, forum_id)
            current = forum.get_forum(db.cursor(), forum_id)
            deliberation.overview_now(db, current)
        from ui import public_results

        for lang in i18n.LANGUAGES:
            public_results.page(db, lang)  # what the first phones get
    with contextlib.suppress(Exception):  # the organizer code of a first start (printed on the console)
        from ui import session

        session.first_start()


@contextlib.asynccontextmanager
async def lifespan(app):
    import asyncio

    from ui import public_port

    await asyncio.to_thread(warm_up)
    async with public_port.serving():  # the public results on plain HTTP beside HTTPS (phones)
        yield
