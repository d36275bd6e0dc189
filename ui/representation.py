"""Showing representation (forum_core.representation) and entering the population figures:
shared by the organizer's overview and the setup page."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from forum_core import representation as rep
from forum_core.validation import Outcome
from ui import session, widgets

# Categories that are words of the app, not people's own (communities and needs are shown as typed).
_OWN_WORDS = {rep.ANY_NEED: "rep.need_any", rep.NO_NEED: "rep.need_none", rep.OTHER: "rep.other"}


def category_label(t, dimension: str, category: str) -> str:
    if dimension == "gender":
        return t(f"report.gender_{category}")
    if dimension == "age":
        return t(f"report.age_{category}")
    if category in _OWN_WORDS:
        return t(_OWN_WORDS[category])
    if category == rep.UNKNOWN:
        return t("report.community_unknown") if dimension == "community" else t("report.gender_unknown")
    return category


def _count(value, t) -> str:
    return t("rep.fewer_than_5") if value is None else str(value)


def _share(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _gap(value) -> str:
    return "—" if value is None else f"{value:+.1f}"


def frame(t, rows: list[dict]) -> pd.DataFrame:
    """The rows as one table of text, a dimension's name beside its categories (one table: each
    table costs its own conversion on every refresh). People's words stay text: st.dataframe
    shows no markup."""
    with_population = any(r["population_share"] is not None for r in rows)
    columns = [
        t("rep.col_dimension"),
        t("rep.col_category"),
        t("rep.col_invited"),
        t("rep.col_checked_in"),
        t("rep.col_at_vote"),
        t("rep.col_invited_share"),
        t("rep.col_checked_in_share"),
        t("rep.col_checked_in_gap"),
        t("rep.col_at_vote_share"),
        t("rep.col_at_vote_gap"),
    ] + ([t("rep.col_population_share"), t("rep.col_population_gap")] if with_population else [])
    names = {d: t(f"rep.dimension_{d}") for d in rep.DIMENSIONS}
    data = [
        [
            names[r["dimension"]],
            category_label(t, r["dimension"], r["category"]),
            _count(r["invited"], t),
            _count(r["checked_in"], t),
            _count(r["at_vote"], t),
            _share(r["invited_share"]),
            _share(r["checked_in_share"]),
            _gap(r["checked_in_gap_pp"]),
            _share(r["at_vote_share"]),
            _gap(r["at_vote_gap_pp"]),
        ]
        + ([_share(r["population_share"]), _gap(r["population_gap_pp"])] if with_population else [])
        for r in rows
    ]
    return pd.DataFrame(data, columns=columns)


_shown: dict[tuple[int, str], tuple[list[dict], pa.Table]] = {}


def show(t, lang: str, rows: list[dict], key: str) -> None:
    """The table, made once per new result of ``representation.table`` (the same list object until
    its data changes) and language, as Arrow: the overview refreshes every 10 s on several screens."""
    cached = _shown.get((id(rows), lang))
    if cached is None or cached[0] is not rows:
        if len(_shown) > 16:
            _shown.clear()
        cached = _shown[(id(rows), lang)] = (rows, pa.Table.from_pandas(frame(t, rows), preserve_index=False))
    widgets.table(cached[1], t("table.empty"), key=key)


def _saved(outcome: Outcome) -> None:
    """A change is shown after a rerun, so the tables above it show the new figures."""
    if outcome.ok and outcome.reason != "unchanged":
        session.flash_outcome(outcome)
        st.rerun()
    session.show_outcome(outcome)


def population_form(ctx: session.Page) -> None:
    """The municipality's population by gender and age band: typed, or from a small CSV."""
    t, db, forum_id = ctx.t, ctx.db, ctx.forum_id
    stored = rep.population(ctx.cur, forum_id)
    st.caption(t("rep.population_help"))
    with st.form("population_form"):
        typed: dict[str, dict[str, int | None]] = {}
        for dimension, categories in rep.POPULATION_CATEGORIES.items():
            st.markdown(f"**{t(f'rep.dimension_{dimension}')}**")
            for column, category in zip(st.columns(len(categories)), categories):
                typed.setdefault(dimension, {})[category] = column.number_input(
                    category_label(t, dimension, category),
                    min_value=0,
                    max_value=rep.MAX_POPULATION,
                    step=1,
                    value=stored.get(dimension, {}).get(category),
                    key=f"population_{dimension}_{category}",
                )
        if st.form_submit_button(t("button.save")):
            _saved(rep.save_population(db, ctx.actor, forum_id, typed))
    upload = st.file_uploader(t("rep.population_csv"), type=["csv", "txt"], key="population_csv")
    if upload is not None and st.button(t("rep.population_import"), key="population_import"):
        figures, errors = rep.parse_population_csv(upload.getvalue())
        if errors:
            session.show_outcome(Outcome(False, "invalid", tuple(errors)))
        else:
            _saved(rep.save_population(db, ctx.actor, forum_id, figures))
    st.download_button(
        t("rep.population_template"),
        data=rep.population_template(),
        file_name="population.csv",
        mime="text/csv",
        key="population_template",
    )
