"""ui.render: every template shows people's text as text, whatever they typed.

Each template is rendered with a hostile string in every slot that carries people's text
(names, groups, fields, problems, initiatives, forum title and place, addresses, codes,
another installation's forum labels); the output must hold it escaped, never as markup,
and never evaluated as a template.
"""

import functools
from datetime import date, datetime, time
from pathlib import Path

import jinja2
import pytest
from markupsafe import escape

from forum_core import checkin, i18n
from forum_core.comparison import ForumSummary
from forum_core.plenary import GroupResult
from ui import render as render_mod
from ui.render import render

t = functools.partial(i18n.t, "en")

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "single_quote": "'><img src=x onerror=alert(1)>",
    "markdown_image": "![x](http://evil/x.png)",
    "markdown_link": "[link](javascript:alert(1))",
    "template": "{{ 7*7 }}",
    "rtl_override": "\u202eevil\u202c txt.exe",
    "zero_width_joiner": "ა\u200dბ\u200d👩\u200d💻",
    "long": ("<b>ბ</b> & " * 500)[:5000],
}


def priority(s: str, rank: int = 1, outside: bool = True) -> dict:
    return {
        "rank": rank,
        "title": s,
        "pebbles": 7,
        "problem_id": rank,
        "outside_competence": outside,
        "initiative": {
            "kind": "",
            "title": s,
            "goal": s,
            "beneficiaries_count": 3,
            "beneficiaries_age": s,
            "beneficiaries_specifics": s,
        },
    }


def group(s: str, finalised: bool = True) -> GroupResult:
    return GroupResult(
        group_id=1,
        number=1,
        name=s,
        field=s,
        room=s,
        finalised=finalised,
        priorities=(priority(s, 1), priority(s, 2, outside=False)),
        presenter=s,
    )


def card_result(s: str, status=checkin.GREEN) -> checkin.CheckInResult:
    person = {"first_name": s, "last_name": s, "group_number": 2, "group_name": s, "field": s, "room": s}
    return checkin.CheckInResult(status, s, person, datetime(2027, 5, 26, 10, 5), s)


# template -> (context with s in every people's-text slot, how many slots show s at least)
CASES = {
    "plenary/welcome.html": (
        lambda s: {
            "t": t,
            "forum": {"title": s, "municipality": s, "venue": s, "forum_date": date(2027, 5, 26)},
            "agenda": [
                {"name": s, "starts": time(10, 0), "current": True},
                {"name": s, "starts": time(11, 0), "current": False},
            ],
            "arrivals": [{"label": s, "value": 8, "behind": 10, "text": "8 / 10"}],
            "checked_in": 80,
            "expected": 117,
            "qr_image": "AAAA",
            "address": s,
        },
        7,
    ),
    "plenary/wall.html": (
        lambda s: {"t": t, "groups": [group(s), group(s, finalised=False)], "revealed": True, "done": 1, "count": 2},
        4,
    ),
    "plenary/timer.html": (lambda s: {"phase": "ok", "clock": "7:00"}, 0),
    "plenary/presenting.html": (
        lambda s: {
            "t": t,
            "group": group(s),
            "phase": "ok",
            "clock": "7:00",
            "pebbles": [{"label": "1", "value": 7, "behind": 0, "text": "7"}],
            "priorities": [{"rank": 1, "title": s, "pebbles": 7, "initiative": s, "goal": s, "who": s}],
        },
        7,
    ),
    "plenary/summary.html": (
        lambda s: {
            "t": t,
            "figures": [(80, s), (12, s)],
            "fields": [(s, [group(s), group(s)])],
            "revealed": True,
            "qr_image": "AAAA",
            "address": s,
        },
        11,
    ),
    "results/group.html": (
        lambda s: {
            "t": t,
            "group": {  # no presenter: public means no names
                "number": 1,
                "name": s,
                "field": s,
                "priorities": [priority(s)],
            },
            "statuses": {1: {"status": "partly", "text": s}},
        },
        6,
    ),
    "results/main.html": (
        lambda s: {
            "t": t,
            "hidden": False,
            "groups": [{"number": 1, "name": s, "field": s, "priorities": [priority(s)]}],
            "statuses": {},
            "total": 10,
        },
        5,
    ),
    "results/page.html": (
        lambda s: {
            "t": t,
            "lang": "en",
            "etag": '"abc"',
            "other": {"code": "ka", "name": "ქართული"},
            "refresh_seconds": 10,
            "noscript_refresh_seconds": 20,
            "fonts_url": "/app/static/fonts",
            "script": "",  # the page's own script (ui/components/results.js) is not people's text
            "forum": {"title": s, "municipality": s, "date": "26.05.2027"},
            "hidden": False,
            "groups": [{"number": 1, "name": s, "field": s, "priorities": [priority(s)]}],
            "statuses": {1: {"status": "partly", "text": s}},
            "total": 10,
        },
        8,
    ),
    "compare/table.html": (
        lambda s: {
            "t": t,
            "summaries": [ForumSummary(key="a", title=s, municipality=s, forum_date=date(2027, 5, 26), source=s)],
            "rows": [{"field": s, "a": [{"title": s, "pebbles": 8, "status": "partly"}]}],
            "marks": {"partly": "◐"},
        },
        4,
    ),
    "registration/card.html": (
        lambda s: {
            "t": t,
            "result": card_result(s),
            "participant": card_result(s).participant,
            "colour": "green",
            "fg": "#0a7a2f",
            "bg": "#e6f6ec",
            "name": f"{s} {s}",
        },
        4,
    ),
}

TEMPLATES = Path(render_mod.__file__).parent / "templates"


def test_every_template_is_covered_here():
    names = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if not p.name.startswith("_")}
    assert names == set(CASES)


def test_no_template_marks_anything_safe():
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert "|safe" not in source.replace(" ", "") and "Markup" not in source and "autoescape false" not in source


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_people_text_is_escaped(name, kind):
    s = HOSTILE[kind]
    context, slots = CASES[name]
    out = render(name, **context(s))
    own_scripts = 1 if name == "results/page.html" else 0  # the page's own <script>, empty here
    own_images = 1 if name in ("plenary/welcome.html", "plenary/summary.html") else 0  # the QR code
    assert out.count("<script") == own_scripts and out.count("<img") == own_images and "49" not in out
    assert "<b>ბ" not in out
    shown = out.replace("/<wbr>", "/")  # an address may break after its slashes (the template's own <wbr>)
    assert shown.count(str(escape(s))) >= slots
    if kind == "template":
        assert slots == 0 or "{{ 7*7 }}" in out
    if kind == "long" and slots:
        assert str(escape(s)) in shown  # shown in full, not cut


@pytest.mark.parametrize("status", [checkin.AMBER, checkin.Reason("invalid_code"), checkin.Reason("unknown_code")])
def test_every_desk_card_escapes(status):
    s = HOSTILE["attribute"]
    result = card_result(s, status)
    out = render(
        "registration/card.html",
        t=t,
        result=result,
        participant=result.participant,
        colour="amber",
        fg="#a05a00",
        bg="#fff4df",
        name=s,
    )
    assert "<img" not in out and str(escape(s)) in out
    assert out.startswith(f"<div data-testid='desk-card' data-status='{status}' ")


def test_desk_card_keeps_the_attributes_tests_and_benchmarks_find():
    context, _ = CASES["registration/card.html"]
    out = render("registration/card.html", **context("Nino"))
    assert out.startswith("<div data-testid='desk-card' data-status='checked_in' style='border:6px solid #0a7a2f;")
    assert "✔ Nino Nino</div>" in out and "\n" not in out


def test_timer_markup_is_what_the_projector_tests_read():
    out = render("plenary/timer.html", phase="last_minute", clock="0:30")
    assert out == '<div class="timer last_minute" data-testid="plenary-timer">0:30</div>'


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_missing_variable_is_an_error_not_an_empty_string(name):
    context = CASES[name][0]("x")
    for key in context:
        with pytest.raises(jinja2.UndefinedError):
            render(name, **{k: v for k, v in context.items() if k != key})


def test_templates_are_compiled_once():
    assert render_mod.environment() is render_mod.environment()
    env = render_mod.environment()
    assert env.get_template("plenary/timer.html") is env.get_template("plenary/timer.html")
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined
