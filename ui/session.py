"""Per-process and per-session state for the pages.

The database is opened once per process (``st.cache_resource``); each script run
takes a cursor of its own. The language comes from ``?lang=`` or the session.
"""
from __future__ import annotations

import functools
import os
import threading

import streamlit as st

from forum_core import forum as forum_mod
from forum_core import i18n
from forum_core.db import Actor, Database, DatabaseBusy, DEFAULT_DB_PATH
from forum_core.validation import FieldError


_run = threading.local()  # each session's script runs in its own thread


def app_started() -> None:
    """Called by app.py at the start of every full run."""
    _run.via_app = True


def app_finished() -> None:
    _run.via_app = False


def enter_page() -> None:
    """Call first in every page file.

    Streamlit decides per process, on its first request, whether ``pages/`` is a
    legacy auto-discovered folder; a first request for ``/participants`` would then
    run the page without ``app.py`` (no navigation, no language switch, no checks).
    Such a run is stopped here, the legacy mode switched off, and the app run again.
    """
    if not getattr(_run, "via_app", False):
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()


def db_path() -> str:
    return os.environ.get("FORUM_DB", str(DEFAULT_DB_PATH))


@st.cache_resource(show_spinner=False)
def _open_database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The process's database; a busy file stops the page with one clear sentence."""
    try:
        return _open_database(db_path())
    except DatabaseBusy as busy:
        st.error(i18n.t(lang(), "error.db_busy", path=busy.path, holder=busy.holder))
        st.stop()


def cursor():
    """A fresh read cursor for this script run (cheap: a few microseconds)."""
    return database().cursor()


def lang() -> str:
    wanted = st.query_params.get("lang")
    if wanted:
        st.session_state["lang"] = i18n.normalize_language(wanted)
    return st.session_state.setdefault("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **params) -> str:
    return i18n.t(lang(), key, **params)


def translator():
    """``t(key, **params)`` bound to this run's language (looked up once, not per string)."""
    return functools.partial(i18n.t, lang())


def actor() -> Actor:
    """Who is acting on this device; roles come with the access issue, until then the organizer."""
    return Actor(st.session_state.get("role", "organizer"), st.session_state.get("device", "browser"))


def current_forum(cur) -> dict | None:
    forum_id = forum_mod.current_forum_id(cur)
    return forum_mod.get_forum(cur, forum_id) if forum_id is not None else None


def error_text(error: FieldError) -> str:
    return i18n.error_text(lang(), error)


def error_line(error: FieldError) -> str:
    return i18n.error_line(lang(), error)


def field_errors(errors, name: str) -> None:
    """Show the errors of one field right under it."""
    for error in errors or ():
        if error.field == name:
            st.error(error_text(error), icon="⚠️")


def flash(kind: str, message: str) -> None:
    """A message to show on the next run (after a callback or a rerun)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        getattr(st, kind)(message)
