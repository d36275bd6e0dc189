"""What every first page run needs, made once as the server starts (st.App's lifespan, app.py).

Without it the first sessions pay for it: importing pandas, Altair and the PDF library,
reading the catalogs, compiling the HTML templates, opening and migrating the database,
and the first read models. When 16 desks and tablets connect in the same second, each
would wait for all of that on a 2-core laptop.
"""

from __future__ import annotations

import contextlib
import logging

log = logging.getLogger(__name__)


def warm_up() -> None:
    import altair  # noqa: F401  (charts)
    import pandas  # noqa: F401  (tables)

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


@contextlib.asynccontextmanager
async def lifespan(app):
    import asyncio

    await asyncio.to_thread(warm_up)
    yield
