"""Widgets several pages share."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from forum_core import i18n, tables


def table(frame, empty: str, where: Any = None, **kwargs: Any) -> None:
    """A read-only table (``st.dataframe``; people's text in its cells stays text), or ``empty`` (the
    page's words for "nothing here") when ``frame`` has no rows: Streamlit draws a table without rows
    with its English word "empty" on the table's canvas, and no setting of Streamlit changes it.
    ``where``: a column or container (default: the page). Defaults: no index, full width, "—" for
    an empty cell."""
    where = where or st
    if len(frame) == 0:
        where.caption(empty)
        return
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", "—")
    where.dataframe(frame, **kwargs)


def row_ids(key: str, ids: list) -> list:
    """The stored id of each row a data editor (``key``) gives back, ``None`` for a row added in
    it: its rows are the shown ones in order, without those deleted, then those added. Ids are never
    read from a cell: a hidden column can be shown from the table's menu and typed over (an id
    changed there made one program overwrite another, a browser tour found)."""
    state = st.session_state.get(key) or {}
    deleted = set(state.get("deleted_rows", ()))
    return [i for n, i in enumerate(ids) if n not in deleted] + [None] * len(state.get("added_rows", ()))


def _pending(state) -> bool:
    return any((state or {}).get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def editor_base(key: str, rows: list[dict], lang: str) -> list[dict]:
    """The rows a data editor (``key``) shows, each with its stored ``id`` (``None``: added).

    ``rows``, as read now, unless the person has edits pending in it; then the rows it showed when
    they began (kept as ``<key>__shown``, what :func:`editor_rows` compares with). Another
    organizer's save changed the data under an open editor, the browser took it for a new table and
    dropped the edits, and the save that followed said "nothing changed" (two organizers' laptops,
    a browser tour).

    A language switch renames the columns, and Streamlit then takes the editor for a new one and
    drops its edits (a browser tour): the edits pending in ``lang``'s last editor are first made on
    the rows it shows (``<key>__base``), which stay unsaved until "Save"."""
    shown_key, base_key, lang_key = f"{key}__shown", f"{key}__base", f"{key}__lang"
    state = st.session_state.get(key)
    if _pending(state) and st.session_state.get(lang_key, lang) != lang and shown_key in st.session_state:
        st.session_state[base_key] = tables.with_edits(editor_shown(key), state)
    st.session_state[lang_key] = lang
    if (not _pending(state) and base_key not in st.session_state) or shown_key not in st.session_state:
        st.session_state[shown_key] = rows
        st.session_state.pop(base_key, None)
    return editor_shown(key)


def editor_shown(key: str) -> list[dict]:
    """The rows the data editor ``key`` shows now (see :func:`editor_base`)."""
    return st.session_state.get(f"{key}__base", st.session_state.get(f"{key}__shown", []))


def editor_renew(key: str, new_key: str, stored: list[dict], rows: list[dict]) -> None:
    """A refused save: the table is drawn anew under ``new_key`` showing ``rows`` (what the save
    would have stored, each with its ``id``), unsaved, compared at the next save with ``stored``
    (the rows as stored now). The refusal's "row 12" is then the table's twelfth row, though another
    organizer added it (the table showed eleven, a tour), and a row whose deletion was refused is
    back in it (it showed the row deleted until a reload, which lost the other edits)."""
    st.session_state[f"{new_key}__shown"] = stored
    st.session_state[f"{new_key}__base"] = rows
    st.session_state[f"{new_key}__lang"] = st.session_state.get(f"{key}__lang")


def editor_rows(frame, key: str, stored: list[dict]) -> tables.Merged:
    """The rows to save from a data editor (``key``, drawn with :func:`editor_base`): the person's
    changes put on the rows ``stored`` now (:func:`forum_core.tables.merge`, which also names what
    another organizer's save meanwhile changed under them), each with its stored ``id`` (see
    :func:`row_ids`). An empty cell is None; a row added and left empty is left out (Enter in the
    last row adds one, and each such row was refused with "required" three times)."""
    import pandas as pd

    shown = st.session_state.get(f"{key}__shown", [])
    typed = []
    for record, stored_id in zip(frame.to_dict("records"), row_ids(key, [r["id"] for r in editor_shown(key)])):
        row = {k: (None if v is None or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in record.items()}
        if stored_id is None and all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue
        typed.append(row | {"id": stored_id})
    return tables.merge(shown, stored, typed)


def stepped_choice(
    prefix: str, label: str, ids: list, format_func: Callable[[Any], str], widths: tuple[int, int, int] = (1, 10, 1)
) -> Any:
    """A select box with ◀ ▶ buttons beside it, for going through a list one item at a time
    (keys ``<prefix>_choice``, ``<prefix>_prev``, ``<prefix>_next``); returns the chosen id."""
    key = f"{prefix}_choice"
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    current_words(key, format_func)

    def step(delta: int) -> None:
        current = st.session_state.get(key)
        index = ids.index(current) if current in ids else -delta
        st.session_state[key] = ids[(index + delta) % len(ids)]

    # one row on a phone-wide screen too (Streamlit stacks columns below 640 px: ◀ above the list, ▶
    # below); its columns narrower than Streamlit's 128 px least (a11y.css, "steprow_")
    with st.container(key=f"steprow_{prefix}"):
        prev_col, choice_col, next_col = st.columns(list(widths), vertical_alignment="bottom", wrap=False)
        prev_col.button("◀", key=f"{prefix}_prev", on_click=step, args=(-1,), width="stretch")
        choice_col.selectbox(label, ids, format_func=format_func, key=key)
        next_col.button("▶", key=f"{prefix}_next", on_click=step, args=(1,), width="stretch")
    return st.session_state[key]


def current_words(key: str, format_func: Callable[[Any], str | None]) -> None:
    """Before a select box (``key``) is drawn: the browser's box keeps showing the chosen item's words
    from when it was chosen (a recommendation reworded, a problem renamed: the old words stayed until
    a reload). When they have changed, the choice is given again from here, with its words as now."""
    chosen = st.session_state.get(key)
    words = None if chosen is None else format_func(chosen)
    shown = f"{key}__shown"
    if words is not None and st.session_state.get(shown) not in (None, words):
        st.session_state[key] = chosen
    st.session_state[shown] = words


def tabs(labels: list[str], key: str) -> list:
    """Tabs whose chosen one stays through the page's runs and through a language switch. The server
    knows the chosen tab (a run on each switch: a tab chosen while a run was still drawing the page
    went back to the first in 1 of 8 tries, pages/report.py) by its label; when the labels come in the
    other language, the tab at the same place is chosen, not the first (a desk clerk's name search
    fell back to the camera's tab)."""
    place = f"{key}__place"
    chosen = st.session_state.get(key)
    if chosen in labels:
        st.session_state[place] = labels.index(chosen)
    elif chosen is not None and st.session_state.get(place) is not None:
        st.session_state[key] = labels[st.session_state[place]]
    return st.tabs(labels, key=key, on_change="rerun")


_COMPONENTS = Path(__file__).resolve().parent / "components"


@functools.lru_cache(maxsize=1)
def _redirect_component():
    return st.components.v2.component("forum_redirect", js=(_COMPONENTS / "redirect.js").read_text(encoding="utf-8"))


def redirect(url: str) -> None:
    """Send the browser to ``url`` (a path of this app) and stop this run."""
    _redirect_component()(key="redirect", data={"url": url})
    st.stop()


@functools.lru_cache(maxsize=1)
def _signin_component():
    return st.components.v2.component(
        "forum_signin",
        js=_component_file("signin.js"),
        css=_component_file("signin.css"),
    )


def store_device_cookie(handoff: str, lifetime_s: float, fallback: str, on_stored: Callable[[], None]) -> None:
    """After a sign-in, on whatever page is open: the page's script asks /api/device to set the
    HttpOnly device cookie (ui/components/signin.js, hidden by signin.css), again through a Wi-Fi drop
    for as long as the one-time id lives (``lifetime_s``), then ``on_stored`` runs; if the laptop no
    longer knows the id, the browser opens ``fallback`` (a full load)."""
    data = {"handoff": handoff, "lifetime_s": lifetime_s, "fallback": fallback}
    _signin_component()(key="signin_cookie", data=data, on_stored_change=on_stored)


def _component_file(name: str) -> str:
    return (_COMPONENTS / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _page_component():
    """Every page's one component (ui/components/page.js), defined once per process (on first use:
    Streamlit registers it with its running server): the connection watch, Streamlit's own words,
    the focus and contrast styles and the tablets' margins, carried by one mount per run instead of
    three (each mount is an element Streamlit builds, identifies and sends on every run). Its code
    is connection.js, words.js and page.js in one module; the accessibility styles are a constant
    of that code (words.js puts them in the document's head), not data sent every run."""
    return st.components.v2.component(
        "forum_page",
        css=_component_file("connection.css") + _component_file("tablet.css"),
        js="\n".join(
            (
                f"const A11Y_CSS = {json.dumps(_component_file('a11y.css'))};",
                _component_file("connection.js"),
                _component_file("words.js"),
                _component_file("page.js"),
            )
        ),
        isolate_styles=False,  # its styles reach outside it: Streamlit's connection dialog, the page's margins
    )


# Streamlit's own English words that its API cannot set, by the catalog key that replaces them
STREAMLIT_WORDS = {
    "Skip to main content": "streamlit.skip_to_content",
    "Upload": "streamlit.upload",
    "Drag and drop a file here": "streamlit.drop_file",
    "Drag and drop files here": "streamlit.drop_file",
    "Press Enter to apply": "streamlit.press_enter",
    "Press Enter to submit form": "streamlit.press_enter_form",
    "No results": "streamlit.no_results",
    # a select box's own placeholder, where a page forgot to give one
    "Choose an option": "streamlit.choose_option",
    "Choose options": "streamlit.choose_options",
    "Select all": "streamlit.select_all",  # a multiselect's first option
    "Error:": "streamlit.error",  # before the file uploader's message on a refused file
    "Type to search": "streamlit.type_to_search",  # a table's search box (its placeholder)
    # a table column's menu (its number formats' names stay English)
    "Sort ascending": "streamlit.sort_ascending",
    "Sort descending": "streamlit.sort_descending",
    "Format": "streamlit.format",
    "Autosize": "streamlit.autosize",
    "Pin column": "streamlit.pin_column",
    "Unpin column": "streamlit.unpin_column",
    "Hide column": "streamlit.hide_column",
    "(index)": "streamlit.index_column",  # the hidden row numbers, listed in the toolbar's show/hide menu
    "Statistics": "streamlit.statistics",  # and its figures
    "Values": "streamlit.stat_values",
    "Empty": "streamlit.stat_empty",
    "Distinct": "streamlit.stat_distinct",
    "Minimum": "streamlit.stat_minimum",
    "Maximum": "streamlit.stat_maximum",
    "Average": "streamlit.stat_average",
    "Median": "streamlit.stat_median",
    "Sum": "streamlit.stat_sum",
    "Standard deviation": "streamlit.stat_deviation",
    "Range": "streamlit.stat_range",
    "Minimum length": "streamlit.stat_min_length",
    "Maximum length": "streamlit.stat_max_length",
    "Average length": "streamlit.stat_average_length",
    "Count": "streamlit.stat_count",
    "No data": "streamlit.stat_no_data",
    "Based on sample": "streamlit.stat_sample",
}


# Streamlit's own English accessible names (aria-label) of what the pages draw, by catalog key:
# a screen reader reads them out
STREAMLIT_LABELS = {
    "Link to heading": "streamlit.link_to_heading",
    "Sidebar": "streamlit.sidebar",
    "Expand sidebar": "streamlit.expand_sidebar",
    "Collapse sidebar": "streamlit.collapse_sidebar",
    "Open": "streamlit.open_list",  # a select box's arrow
    "Clear value": "streamlit.clear_value",
    "Clear all": "streamlit.clear_all",
    "file upload": "streamlit.file_upload",
    "Show/hide columns": "streamlit.show_hide_columns",  # a table's toolbar
    "Download as CSV": "streamlit.download_csv",
    "Search": "streamlit.search",
    "Fullscreen": "streamlit.fullscreen",
    "Close fullscreen": "streamlit.close_fullscreen",  # the same button, in a table shown full screen
    "Notifications": "streamlit.notifications",
    "Close": "streamlit.close",
    "Increment": "streamlit.increment",  # a number field's steppers
    "Decrement": "streamlit.decrement",
    "Show password": "streamlit.show_password",  # the access code's field
    "Hide password": "streamlit.hide_password",
    "Choose date": "streamlit.choose_date",
    "Running...": "streamlit.running",
    "Add row": "streamlit.add_row",  # a table one can type in
    "Delete row(s)": "streamlit.delete_rows",  # its rows chosen (a tour read it in English)
    "Dismiss": "streamlit.dismiss",  # an open select box's list
    "Selected values": "streamlit.selected_values",  # a multiselect's chosen options
    "Previous Result": "streamlit.previous_result",  # a table's search
    "Next Result": "streamlit.next_result",
    "Close Search": "streamlit.close_search",
    "Add files": "streamlit.add_files",  # the uploader's "+" once a file is chosen
    "Scroll tabs right": "streamlit.scroll_tabs_right",  # tabs wider than a narrow screen
    "Scroll tabs left": "streamlit.scroll_tabs_left",
    "Dataframe column menu": "streamlit.column_menu",  # a table column's menu
    "Copy column name": "streamlit.copy_column_name",
    "Clear date": "streamlit.clear_date",  # a date field
    "Previous month": "streamlit.previous_month",  # a date field's calendar
    "Next month": "streamlit.next_month",
}
# A text area's hint names the key pressed with Enter: ⌘ on Apple's devices (an iPad), Ctrl elsewhere
# ("Press Ctrl+Enter to submit form" under a problem's details on the Georgian tablets).
KEYED_HINTS = {
    f"Press {keys}+Enter to {action}": (key, keys)
    for keys in ("Ctrl", "⌘")
    for action, key in (("apply", "streamlit.press_keys_enter"), ("submit form", "streamlit.press_keys_enter_form"))
}
# Streamlit's English names and announcements that hold a label, a person's text or a number:
# (pattern, catalog key, the parameter its group fills, where Streamlit says it). Each is replaced
# only inside its own control, so that a person's text elsewhere (a participant "Remove ...", a
# problem "Help for ...", an option's words in an announcement) keeps its words. The select boxes'
# announcements ("6 options available.") are said by their combobox library, which has no Georgian.
ANNOUNCER = "[data-live-announcer]"
DATE_PARTS = '[data-testid^="stDateInput"], [data-testid^="stTimeInput"]'
STREAMLIT_PATTERNS = [
    (r"^Help for (.+)$", "streamlit.help_for", "label", '[data-testid="stTooltipIcon"]'),
    # a chosen option, and an uploaded file's chip ("Remove list.csv")
    (
        r"^Remove (.+)$",
        "streamlit.remove",
        "item",
        '[data-tag], [class*=multi-value__remove], [data-testid="stFileChip"]',
    ),
    (r"^year, (.+)$", "streamlit.year_of", "label", DATE_PARTS),
    (r"^month, (.+)$", "streamlit.month_of", "label", DATE_PARTS),
    (r"^day, (.+)$", "streamlit.day_of", "label", DATE_PARTS),
    (r"^hour, (.+)$", "streamlit.hour_of", "label", DATE_PARTS),
    (r"^minute, (.+)$", "streamlit.minute_of", "label", DATE_PARTS),
    (r"^(1) option available\.$", "streamlit.options_available", "count", ANNOUNCER),
    (r"^(\d+) options available\.$", "streamlit.options_available", "count", ANNOUNCER),
    (r"^(.+), selected$", "streamlit.option_selected", "option", ANNOUNCER),
]


# A date field's month as a screen reader reads it (aria-valuetext "05 – May"): the month's name
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Streamlit's messages in its controls that hold a type, a size or a number (words.js, on text):
# the file uploader's on a refused file, in the uploader and in the tooltip of the refused file's
# chip (drawn outside it, where the pointer is); a number field's when the number typed is outside
# its limits (50 desks on /access: "Error: Number is outside the allowed range. ..."), in the
# field's alert and, where its label is hidden, in the tooltip of its "!" as "<strong>Error</strong>:
# Number is ..." (the boxes where a person types counts have no limits of their own: the services
# say them); a table search's counts. A pattern's groups fill the parameters named, in order.
UPLOADS = '[data-testid="stFileUploader"], [data-testid="stTooltipErrorContent"]'
NUMBERS = '[data-testid="stNumberInput"], [data-testid="stTooltipErrorContent"]'
SEARCH_BAR = ".gdg-search-bar"
# A table toolbar's buttons: their names are put in the page's language (STREAMLIT_LABELS), and so is
# the tooltip each shows when the pointer rests on it ("Add row" on the Georgian page, a tour saw)
TOOLTIP = '[data-testid="stTooltipContent"]'
TOOLBAR_WORDS = (
    "Add row",
    "Delete row(s)",
    "Show/hide columns",
    "Download as CSV",
    "Search",
    "Fullscreen",
    "Close fullscreen",
)
NUMBER_MESSAGES = [
    (
        r"Number is outside the allowed range\. Please enter a value between (-?[\d.,]+) and (-?[\d.,]+)\.",
        "streamlit.number_between",
        "low,high",
    ),
    (
        r"Number is below the allowed range\. Please enter a value greater than or equal to (-?[\d.,]+)\.",
        "streamlit.number_at_least",
        "low",
    ),
    (
        r"Number is above the allowed range\. Please enter a value less than or equal to (-?[\d.,]+)\.",
        "streamlit.number_at_most",
        "high",
    ),
    (r"Number is below the allowed range\.", "streamlit.number_below", ""),
    (r"Number is above the allowed range\.", "streamlit.number_above", ""),
]
MESSAGE_PATTERNS = [
    (r"^This type of files are not allowed\.$", "streamlit.file_type_refused_unknown", "", UPLOADS),  # no type
    (r"^(.+) files are not allowed\.$", "streamlit.file_type_refused", "type", UPLOADS),
    (r"^File is too large\. Maximum size is (\d+) bytes\.$", "streamlit.file_too_large", "count", UPLOADS),
    # a table's search bar (its toolbar's search): how many cells hold what was typed, and which is shown
    (r"^(1) result$", "streamlit.search_results", "count", SEARCH_BAR),
    (r"^(\d+) results$", "streamlit.search_results", "count", SEARCH_BAR),
    (r"^over 1000$", "streamlit.search_over_1000", "", SEARCH_BAR),
    (r"^(\d+) of (\d+) results?$", "streamlit.search_at", "at,count", SEARCH_BAR),
    (r"^(\d+) of over 1000$", "streamlit.search_at_over_1000", "at", SEARCH_BAR),
    *((f"^{re.escape(english)}$", STREAMLIT_LABELS[english], "", TOOLTIP) for english in TOOLBAR_WORDS),
    # the tooltip's bold "Error" before its message (the alert says "Error: " in the same text)
    (r"^Error$", "streamlit.error_title", "", '[data-testid="stTooltipErrorContent"]'),
    *(
        (f"^{said}{source}$", key, params, NUMBERS)
        for source, key, params in NUMBER_MESSAGES
        for said in ("Error: ", ": ")
    ),
]


@functools.cache
def _page_words(lang: str) -> dict:
    """What the page component needs of a language's catalog, looked up once per language."""

    def template(key: str, params: str, english: str) -> str:
        # the pattern's groups go where the parameters are ($1, $2, as JavaScript's replace takes
        # them); a count chooses its plural form as the English one was chosen (1: "one", else "other")
        text = i18n.t(lang, key)  # with no parameters: the entry unformatted (its "other" form)
        entry = i18n.catalog(lang).get(key)
        if params == "count" and isinstance(entry, dict):
            text = entry.get(i18n.plural_category(lang, 1 if english.startswith("^(1)") else 2), text)
        for n, param in enumerate(params.split(",") if params else [], start=1):
            text = text.replace("{" + param + "}", f"${n}")
        if english.startswith("^Error: "):  # a number field's alert: "Error: " in the same text
            text = i18n.t(lang, "streamlit.error") + " " + text
        elif english.startswith("^: "):  # its tooltip: after the bold "Error"
            text = ": " + text
        return text

    return {
        "offline": i18n.t(lang, "connection.offline"),
        "exact": {
            **{english: i18n.t(lang, key) for english, key in STREAMLIT_WORDS.items()},
            **{english: i18n.t(lang, key, keys=keys) for english, (key, keys) in KEYED_HINTS.items()},
        },
        "labels": {english: i18n.t(lang, key) for english, key in STREAMLIT_LABELS.items()},
        "patterns": [
            [pattern, template(key, params, pattern), where] for pattern, key, params, where in STREAMLIT_PATTERNS
        ],
        "messages": [
            [pattern, template(key, params, pattern), where] for pattern, key, params, where in MESSAGE_PATTERNS
        ],
        "months": {english: i18n.t(lang, f"streamlit.month.{n}") for n, english in enumerate(MONTHS, start=1)},
        "limit": i18n.t(lang, "streamlit.upload_limit"),
    }


def page_context(lang: str, discreet: bool = False, tablet: bool = False) -> None:
    """Every page, once per run (ui/components/page.js): the page's language (``<html lang>``); the
    app's own message while the laptop cannot be reached (connection.js; ``discreet``: only a small
    mark, the projector); Streamlit's own words in the page's language, the focus ring and contrast
    styles (words.js, a11y.css); narrow margins for desks and group tablets (``tablet``, tablet.css)."""
    _page_component()(
        key="page_context", data={"lang": lang, "discreet": discreet, "tablet": tablet, **_page_words(lang)}
    )
