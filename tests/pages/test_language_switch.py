"""The sidebar's language switch (navigation.py): the page in the other language at once, the
address keeping it, and what a person has typed kept across the switch."""

from forum_core.i18n import t
from tests.pages.conftest import open_app


def test_the_switch_turns_the_page_into_the_other_language_and_back(demo_db):
    at = open_app("ka", "pages/registration.py", role="desk")
    assert at.title[0].value == t("ka", "desk.title")
    assert at.sidebar.button(key="sign_out").label == t("ka", "access.sign_out")

    at.button_group(key="lang_choice").set_value("en").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("en", "desk.title")
    assert at.sidebar.button(key="sign_out").label == t("en", "access.sign_out")
    assert at.query_params["lang"] == "en"  # a reload keeps the language
    assert at.button_group(key="lang_choice").value == "en"

    at.button_group(key="lang_choice").set_value("ka").run()
    assert at.title[0].value == t("ka", "desk.title")
    assert at.query_params["lang"] == "ka"


def test_a_name_typed_before_the_switch_is_still_there_after_it(demo_db):
    at = open_app("ka", "pages/registration.py", role="desk")
    at.text_input(key="name_query").set_value("ბერიძე").run()
    at.button_group(key="lang_choice").set_value("en").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("en", "desk.title")
    assert at.text_input(key="name_query").value == "ბერიძე"


def test_the_filters_at_all_read_all_in_the_new_language(demo_db):
    """A filter left at "all" reads "all" in the other language after the switch (a None option
    came back as "nothing chosen": an empty box, or the old language's word)."""
    at = open_app("ka", "pages/audit.py")
    for key in ("audit_group", "audit_role", "audit_kind"):
        assert at.selectbox(key=key).format_func(at.selectbox(key=key).value) == t("ka", "audit.all")
    for lang in ("en", "ka", "en"):
        at.button_group(key="lang_choice").set_value(lang).run()
        assert not at.exception, at.exception
        for key in ("audit_group", "audit_role", "audit_kind"):
            box = at.selectbox(key=key)
            assert box.value is not None and box.format_func(box.value) == t(lang, "audit.all"), (lang, key)

    at = open_app("ka", "pages/participants.py")
    for lang in ("en", "ka"):
        at.button_group(key="lang_choice").set_value(lang).run()
        box = at.selectbox(key="group_filter")
        assert box.value is not None and box.format_func(box.value) == t(lang, "participants.all_groups"), lang


def test_the_chosen_tab_stays_chosen_through_the_switch(demo_db):
    """The desk's clerk on the "by name" tab switches language: the same tab, in the other language,
    not the camera's (the tab is known by its label, which the switch changes)."""
    at = open_app("ka", "pages/registration.py", role="desk")
    at.session_state["desk_tab"] = t("ka", "desk.tab_name")  # the clerk's click on the tab (a run follows)
    at.run()
    for lang in ("en", "ka"):
        at.button_group(key="lang_choice").set_value(lang).run()
        assert not at.exception, at.exception
        assert at.session_state["desk_tab"] == t(lang, "desk.tab_name"), lang
