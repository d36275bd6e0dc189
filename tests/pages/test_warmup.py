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
