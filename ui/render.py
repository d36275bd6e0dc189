"""HTML for the large screens: people's text is always escaped, never rendered.

``st.html`` does no Markdown, so escaping HTML is enough to show a problem titled
``<script>alert(1)</script>`` or ``**bold** [link](http://x)`` exactly as typed.
"""
from __future__ import annotations

import html

import altair as alt


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def pebble_chart(rows: list[dict], pebbles_title: str, height: int = 300) -> alt.Chart:
    """Horizontal bars of pebbles per priority, in rank order, large labels for a hall."""
    labels = [f"{r['rank']}. {r['title'][:60]}" for r in rows]
    data = alt.Data(values=[{"label": label, "pebbles": r["pebbles"]} for label, r in zip(labels, rows)])
    bars = alt.Chart(data).mark_bar(color="#0b5cad").encode(
        y=alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(labelFontSize=20, labelLimit=700)),
        x=alt.X("pebbles:Q", title=pebbles_title, axis=alt.Axis(labelFontSize=16, titleFontSize=16, tickMinStep=1)))
    text = bars.mark_text(align="left", dx=6, fontSize=20, fontWeight="bold", color="#111").encode(text="pebbles:Q")
    return (bars + text).properties(height=height)


def arrivals_chart(rows: list[dict], expected_title: str, came_title: str, height: int = 320) -> alt.Chart:
    """Per group: expected (light bar) with checked in (dark bar) drawn over it, and the count."""
    labels = [f"{r['number']}. {r['name']}" for r in rows]  # in group number order
    data = alt.Data(values=[{"group": label, "expected": r["expected"], "came": r["checked_in"]}
                            for label, r in zip(labels, rows)])
    y = alt.Y("group:N", sort=labels, title=None, axis=alt.Axis(labelFontSize=20, labelLimit=500))
    expected = alt.Chart(data).mark_bar(color="#c9d8ea").encode(
        y=y, x=alt.X("expected:Q", title=f"{came_title} / {expected_title}",
                     axis=alt.Axis(labelFontSize=16, titleFontSize=18, tickMinStep=1)))
    came = alt.Chart(data).mark_bar(color="#0b5cad").encode(y=y, x="came:Q")
    label = alt.Chart(data).transform_calculate(text="datum.came + ' / ' + datum.expected").mark_text(
        align="left", dx=6, fontSize=20, fontWeight="bold", color="#111").encode(y=y, x="expected:Q", text="text:N")
    return (expected + came + label).properties(height=height)
