"""The photo of a group's pebble board beside its counts (overview, audit, facilitator)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forum_core import deliberation as dl
from ui import widgets


def beside_counts(t, cur, group_id: int, facts: dict, width: int = 420) -> None:
    """The latest photo on the left; on the right every problem's pebbles as the photo was taken,
    now, and in the blind recount (if there is one), so a difference stands out."""
    left, right = st.columns([3, 4])
    image = dl.photo_image(cur, facts["id"])
    if image:
        left.image(image, width=width)
    left.caption(
        t(
            "overview.photo_caption",
            time=facts["happened_at"].strftime("%H:%M"),
            hash=facts["sha256"][:12],
            count=facts["taken"],
        )
    )
    titles = {p["id"]: p["title"] for p in dl.problems(cur, group_id, with_merged=True)}
    at_photo = {(p, r): n for p, r, n in facts["counts"]}
    now = dl.counts(cur, group_id)
    again = dl.recounts(cur, group_id)
    keys = sorted(set(at_photo) | set(now), key=lambda k: (k[1], -now.get(k, 0), k[0]))
    columns = [t("fac.problem_title"), t("overview.photo_pebbles"), t("overview.now_pebbles")]
    if again:
        columns.append(t("fac.recount"))
    rows = []
    for key in keys:
        if key[0] not in titles:
            continue
        title = titles[key[0]] + (f" ({t('fac.revote_round', round=key[1])})" if key[1] else "")
        row = [title, at_photo.get(key, "—"), now.get(key, "—")]
        if again:
            row.append(again.get(key, "—"))
        rows.append([str(v) for v in row])
    widgets.table(pd.DataFrame(rows, columns=columns), t("table.empty"), where=right, key=f"photo_counts_{group_id}")
