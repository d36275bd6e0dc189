"""Per-process and per-session state for the pages.

The database is opened once per process (``st.cache_resource``); each script run
takes a cursor of its own. The language comes from ``?lang=`` or the session.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import streamlit as st

from forum_core import access, i18n
from forum_core import forum as forum_mod
from forum_core.db import Actor, Database, DatabaseBusy, StorageError
from forum_core.validation import FieldError, Outcome
from forum_core.vocabulary import Reason
from ui import runtime
from ui.text import md

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
    return runtime.db_path()


@st.cache_resource(show_spinner=False)
def _auto_backup(path: str):
    """Automatic backups while the app runs: every FORUM_BACKUP_MINUTES (default 5; 0: off),
    the newest FORUM_BACKUP_KEEP (default 12) kept in a ``backups`` folder beside the database."""
    from pathlib import Path

    from forum_core.backup import AutoBackup

    minutes = float(os.environ.get("FORUM_BACKUP_MINUTES", "5") or 0)
    if minutes <= 0 or path == ":memory:":
        return None
    keep = int(os.environ.get("FORUM_BACKUP_KEEP", "12") or 12)
    return AutoBackup(database(), Path(path).parent / "backups", minutes, keep).start()


def auto_backup():
    """This database's backup thread (None when automatic backups are off): the setup page shows its state."""
    return _auto_backup(db_path())


def database() -> Database:
    """The process's database; a busy file stops the page with one clear sentence."""
    try:
        return runtime.database(db_path())
    except DatabaseBusy as busy:
        st.error(i18n.t(lang(), "error.db_busy", path=md(busy.path), holder=md(busy.holder)))
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


# --- who is using this browser -----------------------------------------------------------------

DEVICE_COOKIE = "forum_device"  # set HttpOnly by ui/api.py /api/device


@st.cache_resource(show_spinner=False)
def _first_start(path: str) -> dict:
    """Once per process: make sure the installation has an organizer code.

    Taken from ``.streamlit/secrets.toml`` (``organizer_code``) or the environment
    (``FORUM_ORGANIZER_CODE``); otherwise a new one is made, printed once on the server's
    console and shown only to a browser on the laptop itself (:func:`new_organizer_code`)."""
    given = os.environ.get("FORUM_ORGANIZER_CODE")
    if not given:
        try:
            given = st.secrets.get("organizer_code")
        except Exception:  # no secrets file: that is the usual case
            given = None
    code = access.ensure_organizer_code(database(), given)
    if code:
        announce_organizer_code(code)
    return {"new_code": code}


def announce_organizer_code(code: str) -> None:
    """The first start's organizer code on the server's console (the laptop's terminal), once,
    in Georgian and English."""
    import sys

    for language in ("ka", "en"):
        print(i18n.t(language, "access.first_start_console", code=code), file=sys.stdout, flush=True)


def first_start() -> None:
    _first_start(db_path())


_started: set[str] = set()  # the databases this process has made its first start and backup thread for


def process_start() -> None:
    """Every run, from navigation.py: the first start's organizer code (:func:`first_start`) and the
    backup thread (:func:`auto_backup`), once per process and database. After that a set lookup:
    the two cached-resource lookups cost ~0.3 ms of every page run."""
    path = db_path()
    if path not in _started:
        _first_start(path)
        _auto_backup(path)
        _started.add(path)


def close_database(path: str, checkpoint: bool = True) -> None:
    """Stop ``path``'s backup thread and close it. A server never does (its database stays open
    until it exits); the page tests hand each test's file back this way, or every test's DuckDB
    instance (tens of MB) would stay in the worker until it exits."""
    if path in _started:
        backups = _auto_backup(path)
        if backups is not None:
            backups.stop()
        _auto_backup.clear(path)
        _started.discard(path)
    runtime.close(path, checkpoint)


def new_organizer_code() -> str | None:
    """The organizer code made at this first start, for a browser on the laptop itself only
    (never for another address on the network), until someone has signed in as the organizer."""
    holder = _first_start(db_path())
    return first_start_code_for(holder, client_address(), lambda: access.organizer_signed_in(cursor()))


def first_start_code_for(holder: dict, address: str | None, organizer_known: Callable[[], bool]) -> str | None:
    """The decision of :func:`new_organizer_code`: the code, or None for another address, or
    once an organizer has signed in (then it is forgotten)."""
    code = holder.get("new_code")
    if not code:
        return None
    if organizer_known():
        holder.pop("new_code", None)
        return None
    return code if access.is_local_address(address) else None


def first_start_pending() -> bool:
    """A first start's code waits to be read on the laptop (the sign-in says where to look)."""
    return bool(_first_start(db_path()).get("new_code"))


def identity() -> access.Identity:
    """This browser's identity: from the session, else from the device cookie, else public."""
    current = st.session_state.get("identity")
    if current is None:
        token = None
        try:
            token = st.context.cookies.get(DEVICE_COOKIE)
        except Exception:  # no browser context (bare runs)
            token = None
        current = access.resume(database(), token)
        if current is None:
            current = access.PUBLIC
            # a device signed out (or whose day is over) is told so, and signs in again under the
            # name it had (after a reload it was only asked for a code)
            former = access.former_label(database(), token)
            if former:
                _keep_device_label(former)
                flash("warning", t("access.signed_out_remotely"))
        st.session_state["identity"] = current
    elif current.role != "public" and not access.still_valid(database(), current):
        _keep_device_label(current.label)
        current = access.PUBLIC  # signed out remotely, or the day is over
        st.session_state["identity"] = current
        flash("warning", t("access.signed_out_remotely"))
    _note_session(current.role)
    return current


def _keep_device_label(label: str | None) -> None:
    """The sign-in form's device name, as the device was named before (unless the form holds one)."""
    if label and "sign_in_label" not in st.session_state:
        st.session_state["sign_in_label"] = label


def _note_session(role: str) -> None:
    """Tell the upload guard (ui/middleware.py) which role this browser session has."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        runtime.note_session(ctx.session_id, role)


def still_signed_in() -> None:
    """First line of every refreshing fragment: a device signed out remotely (or whose day is
    over) stops refreshing its data at once; the whole page runs again and shows the sign-in."""
    current = st.session_state.get("identity")
    if current is not None and current.role != "public" and not access.still_valid(database(), current):
        st.rerun(scope="app")


def role() -> str:
    return identity().role


def actor() -> Actor:
    """Who is acting on this device: the role and device name stored with every change."""
    return identity().actor()


def client_address() -> str | None:
    """The address of the browser of this session (None in bare runs and tests)."""
    try:
        return st.context.ip_address
    except Exception:
        return None


def client_key() -> str:
    """Who is asking, for the sign-in throttle: the device's address (an IPv6 device by its /64),
    else this session (see ``access.client_key``); the throttle also limits all clients together."""
    address = client_address()
    if address:
        return access.client_key(address)
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return access.client_key(None, ctx.session_id if ctx else None)


def follow_redirect() -> None:
    """Called by navigation.py on every run, before the page: after a sign-in, until the device
    cookie is stored, the page's script asks the app's HTTP route to set it (the role's page is
    open meanwhile); after a sign-out the browser goes to the route that clears it."""
    from ui import widgets

    handoff = st.session_state.get("handoff")
    if handoff:
        fallback = f"/api/device?handoff={handoff}&lang={lang()}&next=" + quote(f"/?lang={lang()}")
        # last in the sidebar: when it goes, no other element moves (one at the top of the page would
        # shift every element below it, and the browser would draw them all anew, under a person's fingers)
        with st.sidebar:
            widgets.store_device_cookie(handoff, runtime.HANDOFF_SECONDS, fallback, _cookie_stored)
    url = st.session_state.pop("redirect", None)
    if url:
        widgets.redirect(url)  # stops this run: no page, no page switch that could drop it


def _cookie_stored() -> None:
    st.session_state.pop("handoff", None)


def signed_in(result: access.SignIn) -> None:
    """The device cookie comes from an HTTP response (ui/api.py /api/device), never from a page
    script: the token waits in this process under a one-time id the page's script hands in."""
    st.session_state["identity"] = result.identity
    st.session_state["handoff"] = runtime.hand_off(result.token, result.max_age)


def sign_out() -> None:
    access.sign_out(database(), identity())
    st.session_state["identity"] = access.PUBLIC
    st.session_state["redirect"] = "/api/signout?next=" + quote(f"/signin?lang={lang()}")


def device_name(label: str | None, role: str) -> str:
    """A device's or a code's own name, or "" when it has none worth saying: none given, or only its
    role's name (the moderator's code was labelled "მოდერატორი": "Signed in: Moderator · მოდერატორი"
    on the English page, "მოდერატორი · მოდერატორი" on the Georgian, a tour)."""
    label = (label or "").strip()
    return "" if label in {i18n.t(lang, f"role.{role}") for lang in i18n.LANGUAGES} else label


def signed_in_as(current) -> str:
    """Who this device is signed in as, in the page's language (Markdown): the role, and the device's
    name when it has one (a device signed in without a name is its role alone)."""
    t_ = translator()
    role = t_(f"role.{current.role}")
    name = device_name(current.label, current.role)
    if name:
        return t_("access.signed_in_as", role=role, label=md(name))
    return t_("access.signed_in_as_role", role=role)


def sign_in_form(page: str | None = None) -> None:
    """The sign-in: a code and a name for this device."""
    if _recent_sign_in() is not None:
        st.switch_page("pages/home.py")  # just signed in here: "/", on to this role's page
    t_ = translator()
    st.title(t_("access.sign_in_title"))
    show_flashes()
    code = new_organizer_code()
    if code:
        st.warning(t_("access.first_start_code", code=code), icon="🔑")
    elif first_start_pending() and not access.is_local_address(client_address()):
        st.info(t_("access.first_start_elsewhere"))
    if page:
        st.info(t_("access.page_needs_code", page=t_(f"nav.{page}")))
    elif st.query_params.get("unfinished"):  # the device cookie's request got no answer (ui/api.py device)
        st.warning(t_("access.sign_in_unfinished"))
    current = identity()
    if current.role != "public":
        st.caption(signed_in_as(current))
    with st.form("sign_in"):
        st.text_input(t_("access.code"), key="sign_in_code", type="password", max_chars=40)
        st.text_input(t_("access.device_label"), key="sign_in_label", max_chars=60, help=t_("access.device_label_help"))
        st.form_submit_button(t_("access.sign_in"), type="primary", on_click=_submit_sign_in)
    refused = st.session_state.pop("sign_in_refused", None)
    if refused is not None:
        status, wait_s = refused
        wait = t_("access.wait", seconds=int(wait_s + 0.999))
        if status == "empty":
            st.error(t_("access.enter_code"))
        elif status == "wait":
            st.error(wait)
        else:
            st.error(t_("access.wrong_code"))
            if wait_s > 0:
                st.caption(wait)


REPEATED_TAP_SECONDS = 5.0


def _recent_sign_in() -> str | None:
    """The fingerprint of the code this session signed in with, if that was under
    REPEATED_TAP_SECONDS ago and it is still signed in; else None."""
    last = st.session_state.get("signed_in_with")  # (code's fingerprint, when)
    if last and time.monotonic() - last[1] < REPEATED_TAP_SECONDS and identity().role != "public":
        return last[0]
    return None


def _submit_sign_in() -> None:
    """The sign-in button's callback (before the run, so a run cut short by a second tap keeps what the
    first did). The code field is emptied, the device's name kept. The same code again within a few
    seconds of signing in with it is a second tap of the button: nothing more happens."""
    typed = st.session_state.get("sign_in_code", "")
    st.session_state["sign_in_code"] = ""
    fingerprint = hashlib.sha256(access.normalize_code(typed).encode()).hexdigest() if typed else ""
    if (recent := _recent_sign_in()) is not None and fingerprint in (recent, ""):
        return  # the form's page goes on to the page the first tap opened (sign_in_form)
    forum = current_forum()
    result = access.sign_in(
        database(), forum["id"] if forum else None, typed, st.session_state.get("sign_in_label", ""), client_key()
    )
    if result.status == "signed_in":
        signed_in(result)
        st.session_state["signed_in_with"] = (fingerprint, time.monotonic())
    else:
        st.session_state["sign_in_refused"] = (result.status, result.wait_s)


def guard(page: str) -> access.Identity:
    """First line of a page after ``enter_page``: the sign-in instead of the page for a wrong role."""
    current = identity()
    if not access.may_open(current.role, page):
        sign_in_form(page)
        st.stop()
    return current


@dataclass(frozen=True)
class Page:
    """What a page needs, made in one place (:func:`page`): who, language, database, forum."""

    me: access.Identity
    lang: str
    t: Callable[..., str]
    db: Database
    cur: Any
    forum: dict | None

    @property
    def forum_id(self) -> int | None:
        return self.forum["id"] if self.forum else None

    @property
    def actor(self) -> Actor:
        return self.me.actor()


def page(name: str) -> Page:
    """The first line of every page: the page runs through app.py's navigation and the role may
    open it (else the sign-in form, and the page stops). Pages show last run's messages
    (:func:`show_flashes`) under their title."""
    enter_page()
    me = guard(name)
    cur = cursor()
    return Page(me, lang(), translator(), database(), cur, current_forum())


def current_forum() -> dict | None:
    """The current forum (a copy: pages may change theirs). Read once per change of the forum or of
    the choice, not in every run: every page asks, a first run of 16 devices at once paid ~15 % of
    its time for these two queries (the cache reads with its own cursor)."""
    found = database().read_through(("current_forum",), forum_mod.FORUM_CHOICE_TABLES, _current_forum)
    return dict(found) if found is not None else None


def _current_forum(cur) -> dict | None:
    forum_id = forum_mod.current_forum_id(cur)
    return forum_mod.get_forum(cur, forum_id) if forum_id is not None else None


def error_text(error: FieldError) -> str:
    """An error's sentence for an alert: the values it quotes (a typed phone, a group's name)
    are escaped, shown as typed (ui/text.py)."""
    return i18n.error_text(lang(), _quoted_as_text(error))


def error_plain(error: FieldError) -> str:
    """An error's sentence for a table's cell, which shows text as it is (no Markdown to escape for)."""
    return i18n.error_text(lang(), error)


def error_line(error: FieldError) -> str:
    return i18n.error_line(lang(), _quoted_as_text(error))


def _quoted_as_text(error: FieldError) -> FieldError:
    params = {k: md(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return FieldError(error.field, error.code, params)


def field_errors(errors, name: str) -> None:
    """Show the errors of one field right under it."""
    for error in errors or ():
        if error.field == name:
            st.error(error_text(error), icon="⚠️")


# Refusals that are nobody's mistake: look again, or another step comes first (amber, not red).
_WARNING_REASONS = frozenset(
    {
        Reason.UNCHANGED,
        Reason.STALE,
        Reason.LOCKED,
        Reason.NOT_FINALISED,
        Reason.NO_VOTES,
        Reason.TIE_UNRESOLVED,
        Reason.END_OF_ORDER,
        Reason.NOTHING_TO_IMPORT,
        Reason.ALREADY_CHECKED_IN,
        Reason.HAS_INVALID,
    }
)


def outcome_kind(outcome: Outcome) -> str:
    """How an outcome is shown: ``success`` (done), ``info`` (done, but nothing changed),
    ``warning`` (look again, or another step first) or ``error`` (refused)."""
    if outcome.ok:
        return "info" if outcome.reason in (Reason.UNCHANGED, Reason.NOTHING_TO_IMPORT) else "success"
    return "warning" if outcome.reason in _WARNING_REASONS else "error"


def outcome_message(outcome: Outcome) -> str:
    """The sentence for an outcome's reason (``reason.<value>`` in the catalog), followed by
    its field errors, one per line (Markdown list), each naming the field."""
    text = t(f"reason.{outcome.reason}")
    if outcome.errors:
        text += "\n\n" + "\n".join(f"- {error_line(error)}" for error in outcome.errors)
    return text


def show_outcome(outcome: Outcome, success: str | None = None) -> None:
    """Show an outcome in the page: green when done (``success`` replaces the reason's
    sentence), blue when nothing changed, amber or red when refused (see :func:`outcome_kind`);
    the outcome's warnings (e.g. a room clash) follow, one each."""
    kind = outcome_kind(outcome)
    if kind == "success":
        st.success(success or outcome_message(outcome))
    elif kind == "warning":
        st.warning(outcome_message(outcome), icon="⚠️")
    else:
        getattr(st, kind)(outcome_message(outcome))
    for warning in outcome.warnings:
        st.warning(error_line(warning), icon="⚠️")


def show_storage_failure(failed: StorageError) -> None:
    """The laptop could not write (disk full, file unwritable): what happened and what to do, in
    the page's language, instead of a stack trace. Nothing of that change was stored."""
    st.error(t(f"reason.{failed.reason}"), icon="💾")


def _form_nonce(form: str, revision: int) -> str:
    """A random name for one revision of a form (the revision changes when the form is emptied),
    made at its first submission."""
    return st.session_state.setdefault(f"_nonce_{form}_{revision}", secrets.token_hex(8))


# The outcomes of the latest submissions, by their form's nonce (a few hundred a day at most),
# with when they were made.
_SUBMITTED: OrderedDict[str, tuple[float, Outcome]] = OrderedDict()
_SUBMITTING = threading.Lock()
DOUBLE_TAP_SECONDS = 3.0


def submit_once(form: str, revision: int, submit: Callable[[], Outcome], blank: bool = False) -> Outcome:
    """``submit()`` once per revision of a form; again only after a refusal.

    A double tap sends the second click before the emptied form is back, and Streamlit handles it
    in one of two ways. In a second thread, while the first is still in the button's callback: it
    stops the first at its next Streamlit call, after the database has the new row but before the
    session has noted it, so the second click comes with the same revision. Or after the first
    run: the second click then submits the new revision, empty (``blank``). Either way it gets the
    first click's outcome instead of saving again or being told that a field is required. Kept
    outside ``st.session_state``, whose writes a stopped callback may not have made."""
    nonce = _form_nonce(form, revision)
    with _SUBMITTING:
        if nonce in _SUBMITTED:
            return _SUBMITTED[nonce][1]
        if blank and revision > 0:
            earlier = _SUBMITTED.get(_form_nonce(form, revision - 1))
            if earlier is not None and time.monotonic() - earlier[0] < DOUBLE_TAP_SECONDS:
                return earlier[1]
        outcome = submit()
        if outcome.ok:
            _SUBMITTED[nonce] = (time.monotonic(), outcome)
            if len(_SUBMITTED) > 1000:
                _SUBMITTED.popitem(last=False)
        return outcome


def storage_safe(callback: Callable) -> Callable:
    """A widget callback that writes: a storage failure becomes the message on the next run
    (a callback's exception would otherwise end the run with a stack trace)."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except StorageError as failed:
            flash("error", t(f"reason.{failed.reason}"))

    return run


def flash_outcome(outcome: Outcome, success: str | None = None, toast: bool = False) -> None:
    """:func:`show_outcome` on the next run (after a callback or before ``st.rerun``)."""
    kind = outcome_kind(outcome)
    flash(kind, success if kind == "success" and success else outcome_message(outcome), toast)


def flash(kind: str, message: str, toast: bool = False) -> None:
    """A message to show on the next run (after a callback or a rerun); once, though a double
    tap's second click replays the first's outcome before that run (seen: "Added" shown twice).
    ``toast``: said in a toast too, for an action taken far down a long page, where the message
    at the page's top is out of sight (a code revoked from the foot of the list)."""
    waiting = st.session_state.setdefault("_flash", [])
    if (kind, message, toast) not in waiting:
        waiting.append((kind, message, toast))


_TOAST_ICONS = {"success": "✅", "info": "ℹ️", "warning": "⚠️", "error": "⛔"}


def show_flashes() -> None:
    for kind, message, toast in st.session_state.pop("_flash", []):
        getattr(st, kind)(message)
        if toast:  # a refusal stays longer: it must be read, not only glimpsed
            st.toast(message, icon=_TOAST_ICONS[kind], duration="short" if kind == "success" else "long")
