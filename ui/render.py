"""HTML and charts for the large screens: people's text is always escaped, never rendered.

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

import altair as alt
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


def _without_data(spec: dict) -> dict:
    """Altair marks data-less layers with an empty dataset; the layers must use the data given at run time."""
    for layer in spec.get("layer", []):
        layer.pop("data", None)
    spec.pop("datasets", None)
    spec.pop("data", None)
    return spec


# Charts are Vega-Lite specs built with Altair, kept per set of labels; the numbers go
# in as data on each run. Building and serialising an Altair chart costs 12-60 ms,
# which a projector redrawing every second (and a check-in every few seconds
# changing the arrivals) cannot pay on every run.


def pebble_chart(rows: list[dict], pebbles_title: str, height: int = 300) -> tuple[dict, list[dict]]:
    """Horizontal bars of pebbles per priority in rank order: (spec, data) for st.vega_lite_chart.

    Bars are labelled by rank: the titles stand beside the chart in large type."""
    labels = tuple(str(r["rank"]) for r in rows)
    return _pebble_spec(labels, pebbles_title, height), [
        {"label": label, "pebbles": r["pebbles"]} for label, r in zip(labels, rows)
    ]


@lru_cache(maxsize=64)
def _pebble_spec(labels: tuple, pebbles_title: str, height: int) -> dict:
    bars = (
        alt.Chart()
        .mark_bar(color="#0b5cad")
        .encode(
            y=alt.Y("label:N", sort=list(labels), title=None, axis=alt.Axis(labelFontSize=26, labelFontWeight="bold")),
            x=alt.X("pebbles:Q", title=pebbles_title, axis=alt.Axis(labelFontSize=16, titleFontSize=16, tickMinStep=1)),
        )
    )
    text = bars.mark_text(align="left", dx=6, fontSize=20, fontWeight="bold", color="#111").encode(text="pebbles:Q")
    return _without_data(alt.layer(bars, text).properties(height=height).to_dict(validate=False))


def arrivals_chart(
    rows: list[dict], expected_title: str, came_title: str, height: int = 320
) -> tuple[dict, list[dict]]:
    """Per group: expected (light bar) with checked in (dark bar) over it and the count: (spec, data)."""
    labels = tuple(f"{r['number']}. {r['name']}" for r in rows)  # in group number order
    return _arrivals_spec(labels, expected_title, came_title, height), [
        {
            "group": label,
            "expected": r["expected"],
            "came": r["checked_in"],
            "text": f"{r['checked_in']} / {r['expected']}",
        }
        for label, r in zip(labels, rows)
    ]


@lru_cache(maxsize=64)
def _arrivals_spec(labels: tuple, expected_title: str, came_title: str, height: int) -> dict:
    y = alt.Y("group:N", sort=list(labels), title=None, axis=alt.Axis(labelFontSize=20, labelLimit=500))
    expected = (
        alt.Chart()
        .mark_bar(color="#c9d8ea")
        .encode(
            y=y,
            x=alt.X(
                "expected:Q",
                title=f"{came_title} / {expected_title}",
                axis=alt.Axis(labelFontSize=16, titleFontSize=18, tickMinStep=1),
            ),
        )
    )
    came = alt.Chart().mark_bar(color="#0b5cad").encode(y=y, x="came:Q")
    label = (
        alt.Chart()
        .mark_text(align="left", dx=6, fontSize=20, fontWeight="bold", color="#111")
        .encode(y=y, x="expected:Q", text="text:N")
    )
    return _without_data(alt.layer(expected, came, label).properties(height=height).to_dict(validate=False))
