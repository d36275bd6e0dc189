"""HTML for the large screens: people's text is always escaped, never rendered.

Every piece of HTML that carries people's text (names, groups, problems, initiatives,
forum titles, addresses, scanned codes) comes from a Jinja2 template in ``ui/templates``
rendered by :func:`render`, with autoescaping on: a problem titled
``<script>alert(1)</script>`` shows as typed. ``st.html`` does no Markdown, so
``**bold** [link](http://x)`` shows as typed too. Templates never mark people's text
``|safe``; only HTML that templates themselves produced (macros, includes) is trusted.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """One environment per process: each template is compiled once, on first use.

    ``auto_reload`` is off (templates ship with the code), so rendering does not even stat
    the file: the projector redraws every second."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,  # never evict a compiled template
    )


def render(name: str, /, **context) -> str:
    """Render ``ui/templates/<name>`` with ``context``; every value is HTML-escaped on output.

    A variable the template uses but ``context`` lacks raises ``jinja2.UndefinedError``."""
    return environment().get_template(name).render(context)
