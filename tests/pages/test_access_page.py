"""Each page refuses the wrong role; signing in and out; codes and devices on the access page."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from forum_core import access
from forum_core import forum as forum_mod
from forum_core.db import Actor
from forum_core.i18n import t
from tests.conftest import ORGANIZER
from tests.pages import traversal
from tests.pages.conftest import APP, ORGANIZER_CODE, app_database, open_app, read, texts

PAGES = [
    "setup",
    "participants",
    "access",
    "audit",
    "registration",
    "facilitator",
    "overview",
    "control",
    "plenary",
    "report",
    "compare",
]
ROLES = [
    ("public", None),
    ("desk", None),
    ("facilitator", 1),
    ("expert", 1),
    ("moderator", None),
    ("projector", None),
    ("organizer", None),
]


def sees_sign_in(at, lang="en") -> bool:
    return any(e.value == t(lang, "access.sign_in_title") for e in at.title)


@pytest.mark.parametrize("role,group", ROLES)
def test_every_page_checks_the_role(demo_db, role, group):
    for page in PAGES:
        at = open_app("en", f"pages/{page}.py", role=None if role == "public" else role, group_number=group)
        allowed = access.may_open(role, page)
        assert sees_sign_in(at) != allowed, (role, page)
        if not allowed:
            assert t("en", "access.page_needs_code", page=t("en", f"nav.{page}")) in texts(at)
            assert not at.dataframe and not at.get("html"), (role, page)


def test_the_sidebar_lists_only_the_roles_pages(demo_db):
    at = open_app("en", "pages/registration.py", role="desk")
    links = {e.proto.label for e in at.get("page_link")}
    assert links == {t("en", "nav.registration"), t("en", "nav.accessibility")}  # the statement: everyone
    # the public results: a plain web page of the server (/results), linked for every role
    assert f"[{t('en', 'nav.results')}](/results?lang=en)" in texts(at)


def test_a_facilitator_sees_only_their_group(demo_db):
    at = open_app("en", "pages/facilitator.py", role="facilitator", group_number=3)
    group = forum_mod.groups(app_database().cursor(), 1)[2]
    box = at.selectbox(key="facilitator_group")
    assert box.options == [f"3. {group['name']} · {t('en', 'label.room')} {group['room']}"] and box.disabled
    at.query_params["group"] = "1"  # asking for another group in the address changes nothing
    at.run()
    assert read(at.title[0].value).startswith("3. ")


def test_sign_in_with_a_code_and_out_again(demo_db):
    at = open_app("ka", "pages/facilitator.py", role=None)
    assert sees_sign_in(at, "ka")
    at.text_input(key="sign_in_code").set_value("ZZ-ZZZZZZ")
    at.button[0].click().run()
    assert t("ka", "access.wrong_code") in [e.value for e in at.error]
    at.text_input(key="sign_in_code").set_value(ORGANIZER_CODE.lower())
    at.text_input(key="sign_in_label").set_value("ლეპტოპი")
    at.button[0].click().run()
    me = at.session_state["identity"]
    assert (me.role, me.label) == ("organizer", "ლეპტოპი")
    # the page's script asks the route that sets the HttpOnly cookie with a one-time handoff id (falling
    # back to opening that route); no script holds the token
    data = component_data(at, "forum_signin")
    # last in the sidebar, so that nothing on the page moves when it goes once the cookie is stored
    assert at.sidebar.children[len(at.sidebar.children) - 1].proto.component_name == "forum_signin"
    handoff = data["handoff"]
    assert data["fallback"].startswith(f"/api/device?handoff={handoff}&lang=ka&next=")
    from ui import runtime

    token, max_age = runtime.collect(handoff)
    sent = json.dumps(data) + "".join(h.value for h in at.get("html")) + "".join(m.value for m in at.markdown)
    assert token not in sent and "document.cookie" not in sent
    assert max_age >= 16 * 3600 - 60  # the browser keeps the device for the forum day
    assert access.resume(app_database(), token) == me  # what a reload of the page finds
    at.run()
    assert not sees_sign_in(at, "ka")
    at.button(key="sign_out").click().run()
    assert at.session_state["identity"].role == "public"
    assert access.resume(app_database(), token) is None
    assert redirect_url(at).startswith("/api/signout?next=")


def test_a_desk_signing_in_on_a_page_it_may_not_open_goes_on_to_its_own(demo_db):
    desk_code = access.create_code(app_database(), Actor("organizer", "t"), 1, "desk", None, "Desk 1").value[1]
    at = open_app("en", "pages/control.py", role=None)
    assert sees_sign_in(at, "en")
    at.text_input(key="sign_in_code").set_value(desk_code)
    at.text_input(key="sign_in_label").set_value("Desk 1")
    at.button[0].click().run()
    assert at.session_state["identity"].role == "desk"
    assert read(at.title[0].value) == t("en", "desk.title")  # its registration page, not the sign-in again


def test_a_sign_in_whose_cookie_never_came_says_so_and_an_empty_code_is_asked_for(demo_db):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    at.query_params["unfinished"] = "1"  # where /api/device sends a browser whose one-time id is gone
    at.switch_page("pages/signin.py")
    at.run()
    assert t("en", "access.sign_in_unfinished") in [w.value for w in at.warning]
    at.button[0].click().run()  # nothing typed
    assert [e.value for e in at.error] == [t("en", "access.enter_code")]
    assert at.session_state["identity"].role == "public"


def component_data(at, name: str) -> dict:
    found = [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == name]
    assert len(found) == 1, found
    return found[0]


def redirect_url(at) -> str:
    return component_data(at, "forum_redirect")["url"]


def test_access_page_makes_codes_once_and_signs_devices_out(demo_db):
    desk = open_app("en", "pages/registration.py", role="desk")
    assert not sees_sign_in(desk)
    at = open_app("en", "pages/access.py")
    at.button(key="make_full_set").click().run()
    made = at.session_state["codes_made"]
    assert len(made) == 4 + 2 * 10 + 1 + 2
    shown = at.table[0].value
    assert list(shown.iloc[:, 2]) == [m["code"] for m in made]
    assert at.get("download_button")
    at.button(key="codes_done").click().run()
    assert not at.table  # never shown again
    # every code works once printed
    code = made[0]["code"]
    assert access.sign_in(app_database(), 1, code, "", "t", access.Throttle()).identity.role == "desk"
    # sign the desk tablet out remotely: the page asks first, naming the device; "no" keeps it signed in
    device = desk.session_state["identity"].device_id
    at.button(key=f"revoke_device_{device}").click().run()
    assert t("en", "access.sign_device_out_title") in traversal.shown(at).markdown
    assert t("en", "access.sign_device_out_confirm") in [m.value for m in at.markdown]
    assert at.text[-1].value.startswith("test device · Registration desk"), at.text[-1].value  # which device
    at.button(key="revoke_no").click().run()
    assert t("en", "access.sign_device_out_title") not in traversal.shown(at).markdown
    desk.run()
    assert not sees_sign_in(desk)
    # asked again and confirmed: its next run shows the sign-in
    at.button(key=f"revoke_device_{device}").click().run()
    assert not at.warning  # another device: no warning about this one
    at.button(key="revoke_yes").click().run()
    assert t("en", "access.sign_device_out_title") not in traversal.shown(at).markdown
    # said at the top and in a toast (the list may be long, the top out of sight), in words true of a
    # device: its code keeps working ("Done: it no longer works" was said of it)
    said = t("en", "access.device_signed_out")
    assert [s.value for s in at.success] == [said] and [s.value for s in at.toast] == [said]
    # the organizer's own device is marked, and signing it out warns first
    mine = at.session_state["identity"].device_id
    assert [x.value for x in at.text if x.value.endswith(" · " + t("en", "access.this_device"))] != []
    at.button(key=f"revoke_device_{mine}").click().run()
    assert [w.value for w in at.warning] == [t("en", "access.this_device_warning")]
    at.button(key="revoke_no").click().run()
    desk.run()
    assert sees_sign_in(desk)
    assert t("en", "access.signed_out_remotely") in [w.value for w in desk.warning]
    # to sign in again, the device keeps its name (it had to be typed again, a tour saw)
    assert desk.text_input(key="sign_in_label").value == "test device"


def test_one_code_waits_for_a_role_to_be_chosen(demo_db):
    """No role is chosen beforehand (a desk's name typed under a preselected organizer made an
    organizer's code): the button waits for a role, and then makes a code of that role."""
    at = open_app("en", "pages/access.py")
    assert at.selectbox(key="one_role").value is None
    assert at.button(key="make_one").disabled
    at.selectbox(key="one_role").set_value("desk").run()
    at.text_input(key="one_label").set_value("Desk 5").run()
    at.button(key="make_one").click().run()
    (made,) = at.session_state["codes_made"]
    assert (made["role"], made["label"]) == ("desk", "Desk 5")
    assert access.sign_in(app_database(), 1, made["code"], "", "t", access.Throttle()).identity.role == "desk"


@pytest.mark.parametrize(
    "address,shown", [("192.168.1.50", False), ("10.0.0.7", False), (None, False), ("127.0.0.1", True), ("::1", True)]
)
def test_the_first_start_code_is_shown_only_on_the_laptop(db_file, monkeypatch, capsys, address, shown):
    """A first start with no code given: the code is on the server's console, and in the browser
    only when the browser runs on the laptop itself."""
    from ui import session

    monkeypatch.delenv("FORUM_ORGANIZER_CODE")
    monkeypatch.setattr(session, "client_address", lambda: address)
    at = open_app("en", role=None)
    printed = capsys.readouterr().out
    code = next(w for w in printed.split() if len(w) == 9 and w[2] == "-")
    assert printed.count(code) == 2  # once per language, on the console
    page = texts(at)
    assert (code in page) == shown
    assert (t("en", "access.first_start_elsewhere") in page) == (not shown)
    # a reload of the same browser: the same answer (the phone never gets it)
    at.run()
    assert (code in texts(at)) == shown
    assert capsys.readouterr().out.count(code) == 0  # printed once per first start


def test_a_tablet_signed_out_by_the_organizer_writes_nothing_from_its_open_page(demo_db):
    """The page was drawn while signed in; its checkbox's callback runs after the organizer signed
    the tablet out: nothing is written, and the tablet sees the sign-in with the reason in words."""
    from forum_core import deliberation as dl

    at = open_app("ka", "pages/facilitator.py", role="facilitator", group_number=1)
    me = at.session_state["identity"]
    db = app_database()
    assert access.revoke_device(db, Actor("organizer", "laptop"), me.device_id).ok
    member = dl.members(db.cursor(), 1, me.group_id)[0]
    at.checkbox(key=f"here_{member['id']}").check().run()
    assert not at.exception
    assert dl.present_count(db.cursor(), 1, me.group_id) == 0  # the tick was not written
    assert sees_sign_in(at, "ka")
    assert t("ka", "reason.signed_out") in texts(at) or t("ka", "access.signed_out_remotely") in texts(at)


def main_area(at) -> list[tuple[str, str]]:
    """What a page shows outside its sidebar: each element's kind and its proto's text form."""
    shown = []
    for node in at.main.children.values():
        stack = [node]
        while stack:
            element = stack.pop()
            proto = getattr(element, "proto", None)
            shown.append((type(element).__name__, str(proto) if proto is not None else ""))
            stack.extend(getattr(element, "children", {}).values())
    return shown


@pytest.mark.parametrize(
    "page,roles",
    [
        ("control", ("moderator", "organizer")),
        ("overview", ("moderator", "organizer")),
        ("plenary", ("projector", "moderator", "organizer")),
    ],
)
def test_shared_pages_show_every_role_the_same(swing_db, page, roles):
    """The accessibility tour checks these pages once, as the device that works on them
    (tests/e2e/test_accessibility.py CHECKED_AS): what they show must not depend on the role."""
    shown = [main_area(open_app("ka", f"pages/{page}.py", role=role)) for role in roles]
    frame = ('component_name: "forum_page"', "<style>")  # every page's own component, a page's styles
    content = [e for e in shown[0] if e[1] and not any(f in e[1] for f in frame)]
    assert content, shown[0]  # the page drew its content, not only its frame
    for role, other in zip(roles[1:], shown[1:]):
        assert other == shown[0], (page, role)


def test_the_revoked_codes_are_counted_only_when_there_are_some(demo_db):
    at = open_app("en", "pages/access.py")
    at.button(key="make_full_set").click().run()
    at.button(key="codes_done").click().run()
    revoked = [t("en", "access.revoked_count", count=n) for n in (0, 1)]
    assert not [c.value for c in at.caption if c.value in revoked]  # not "0 revoked codes not shown."
    last = [b for b in at.button if b.key and b.key.startswith("revoke_code_")][-1]  # the first is the organizer's
    last.click().run()
    # a code revoked signs its devices out for the day: asked first, in a dialog of its own
    assert t("en", "access.revoke_code_title") in traversal.shown(at).markdown
    assert not [c.value for c in at.caption if c.value in revoked]  # nothing revoked yet
    assert at.button(key="revoke_yes").label == t("en", "access.revoke_code_yes")
    at.button(key="revoke_yes").click().run()
    assert t("en", "access.revoked_count", count=1) in [c.value for c in at.caption]
    assert [x.value for x in at.toast] == [t("en", "reason.revoked")]  # said where the person looks, too


def signed_in_line(identity, lang: str) -> list[str]:
    """The captions of the sign-in page as a device signed in as ``identity`` sees it ("Signed in: ...")."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = lang
    at.session_state["identity"] = identity
    at.switch_page("pages/signin.py")
    at.run()
    return [c.value for c in at.caption]


def test_a_device_signed_in_without_a_name_is_named_by_its_role_in_the_pages_language(demo_db):
    """The organizer's code carried a Georgian label, which became the name of a device signed in
    without one: "Signed in: Organizer · ორგანიზატორი" on the English page, and the same in the
    devices' list."""
    import re

    db = app_database()
    access.ensure_organizer_code(db, ORGANIZER_CODE)
    forum_id = forum_mod.current_forum_id(db.cursor())
    signed = access.sign_in(db, forum_id, ORGANIZER_CODE, "", "test:nameless")
    assert signed.status == "signed_in" and signed.identity.label == ""
    for lang, other in (("en", r"[\u10a0-\u10ff]"), ("ka", r"Organizer")):
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params["lang"] = lang
        at.session_state["identity"] = signed.identity
        at.switch_page("pages/access.py")
        at.run()
        lines = [x.value for x in at.text]
        mine = [x for x in lines if t(lang, "access.this_device") in x]
        assert mine and mine[0].startswith(t(lang, "role.organizer") + " · "), lines
        assert not re.search(other, mine[0]), mine[0]
        said = signed_in_line(signed.identity, lang)
        assert t(lang, "access.signed_in_as_role", role=t(lang, "role.organizer")) in said, said


def test_a_name_that_only_repeats_the_role_or_the_group_is_said_once(demo_db):
    """A tour: the moderator's code was labelled with its role ("მოდერატორი"): "Signed in: Moderator ·
    მოდერატორი" on the English page, "მოდერატორი · მოდერატორი" on the Georgian; the organizer's
    code, without a label, had an empty place between two dots ("Organizer ·  · E2-······"); a
    group's code said its group twice ("Facilitator · group 1 · 1. Social care")."""
    db = app_database()
    forum_id = forum_mod.current_forum_id(db.cursor())
    access.ensure_organizer_code(db, ORGANIZER_CODE)
    moderator = access.create_code(db, ORGANIZER, forum_id, "moderator", None, "მოდერატორი").value[1]
    group = forum_mod.groups(db.cursor(), forum_id)[0]
    access.create_code(db, ORGANIZER, forum_id, "facilitator", group["id"], f"1. {group['name']}")
    signed = access.sign_in(db, forum_id, moderator, "", "test:moderator", access.Throttle())
    for lang in ("en", "ka"):
        at = open_app(lang, "pages/access.py")
        lines = [x.value for x in at.text]
        assert not [x for x in lines if " ·  · " in x], lines
        codes = [x for x in lines if x.startswith(t(lang, "role.organizer") + " · ")]
        assert codes and codes[0].startswith(f"{t(lang, 'role.organizer')} · {ORGANIZER_CODE[:2]}-"), codes
        assert not [x for x in lines if f"{t(lang, 'label.group')} 1 · 1. " in x], lines
        assert [x for x in lines if x.startswith(f"{t(lang, 'role.facilitator')} · 1. {group['name']} · ")], lines
        devices = [x for x in lines if t(lang, "role.moderator") in x and t(lang, "access.since", time="") in x]
        assert devices and devices[0].startswith(t(lang, "role.moderator") + " · "), devices
        said = signed_in_line(signed.identity, lang)
        assert t(lang, "access.signed_in_as_role", role=t(lang, "role.moderator")) in said, said
