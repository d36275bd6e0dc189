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
