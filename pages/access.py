"""Access (organizer): codes per role and group, slips to print, signed-in devices."""

import pandas as pd
import streamlit as st

from forum_core import access, printing
from forum_core import forum as forum_mod
from ui import session, tls
from ui.text import md

ctx = session.page("access")
t, lang, db, cur, forum, forum_id, actor = ctx.t, ctx.lang, ctx.db, ctx.cur, ctx.forum, ctx.forum_id, ctx.actor
groups = forum_mod.groups(cur, forum_id)
group_label = {g["id"]: f"{g['number']}. {g['name']}" for g in groups}

st.title(t("access.title"))
session.show_flashes()
st.caption(t("access.help"))
address = tls.served_url()  # the laptop's address on the venue's network (forum_core/network.py)
st.caption(t("address.devices", url=tls.code(address)))
st.caption(t("address.phones", url=tls.code(tls.served_results_url(lang))))
tls.show_address_notes(t)

# --- new codes: shown once, with their slips -------------------------------------------------
made = st.session_state.get("codes_made")
if made:
    st.success(t("access.codes_made", count=len(made)))
    # a plain table: codes can be read and copied (the slips are the way to hand them out); it reads
    # its cells as Markdown, so a label "1. Social care" would be a numbered list: the labels escaped
    with st.container(key="codes_made"):  # its codes stay whole on a phone (ui/components/a11y.css)
        st.table(
            pd.DataFrame(
                [(t(f"role.{m['role']}"), md(m["label"]), m["code"]) for m in made],
                columns=[t("access.role"), t("access.label"), t("access.code")],
            )
        )
    st.download_button(
        t("access.slips"),
        # made when the button is pressed: built at every run while the codes were shown, it made each
        # of the page's runs 0.3 s longer (0.06 s without)
        lambda made=made, lang=lang, address=address: printing.access_slips_pdf(forum, made, lang, address=address),
        "access-codes.pdf",
        "application/pdf",
        key="slips_download",
        type="primary",
    )
    st.warning(t("access.shown_once"))
    if st.button(t("access.done"), key="codes_done"):
        st.session_state.pop("codes_made", None)
        st.rerun()

left, right = st.columns(2)
with left:
    st.header(t("access.full_set"))
    desks = st.number_input(t("access.desks"), min_value=0, max_value=20, value=4, key="set_desks")
    projectors = st.number_input(t("access.projectors"), min_value=0, max_value=10, value=2, key="set_projectors")
    if st.button(t("access.make_full_set"), key="make_full_set", type="primary"):
        st.session_state["codes_made"] = access.create_forum_codes(
            db, actor, forum_id, int(desks), int(projectors), lang=lang
        )
        st.rerun()
with right:
    st.header(t("access.one_code"))
    # no role chosen beforehand: a desk's name typed under a preselected "organizer" made an organizer's code
    role = st.selectbox(
        t("access.role"),
        access.CODE_ROLES,
        format_func=lambda r: t(f"role.{r}"),
        key="one_role",
        index=None,
        placeholder=t("access.choose_role"),
    )
    group_id = None
    if role in access.GROUP_ROLES:
        group_id = st.selectbox(t("label.group"), list(group_label), format_func=group_label.get, key="one_group")
    label = st.text_input(t("access.label"), key="one_label")
    if st.button(t("access.make_one"), key="make_one", disabled=role is None):
        outcome = access.create_code(db, actor, forum_id, role, group_id, label)
        if outcome.ok:
            st.session_state["codes_made"] = [
                {
                    "id": outcome.value[0],
                    "role": role,
                    "group_id": group_id,
                    "label": label or (group_label.get(group_id, "") if group_id else ""),
                    "code": access.format_code(outcome.value[1]),
                }
            ]
            st.rerun()
        else:
            session.show_outcome(outcome)

# --- codes in use -----------------------------------------------------------------------------------
st.header(t("access.codes"))
rows = access.codes(cur, forum_id)
active = [r for r in rows if r["revoked_at"] is None]


def revocable(rows: list[dict], describe, kind: str, label: str) -> None:
    """One line per row with a button that asks to revoke it (a code or a signed-in device): a code
    revoked by a mistaken tap signs its device out for the day, so the button asks first."""
    # at most 900 px wide: on a 1920 px screen the button stood 600 px from its line, hard to match
    with st.container(width=900):
        for row in rows:
            text_col, button_col = st.columns([3, 1])  # room for "გამოსვლა" on one line at 1024 px
            text_col.text(describe(row))
            if button_col.button(label, key=f"revoke_{kind}_{row['id']}"):
                st.session_state["confirm_revoke"] = (kind, row["id"], describe(row))


# what each kind's revocation does and says: its service, the dialog's question, its "yes" and
# what is said when done (a device's code keeps working: "it no longer works" was not true of it)
REVOKE = {
    "code": (access.revoke_code, "access.revoke_code_confirm", "access.revoke_code_yes", None),
    "device": (
        access.revoke_device,
        "access.sign_device_out_confirm",
        "access.sign_device_out_yes",
        "access.device_signed_out",
    ),
}


def _forget_revoke() -> None:
    st.session_state.pop("confirm_revoke", None)


def _ask_to_revoke(kind: str, row_id: int, what: str) -> None:
    revoke, question, yes, done = REVOKE[kind]
    st.text(what)  # the code's or the device's line, as the list shows it (people's label as typed)
    st.write(t(question))
    if kind == "device" and row_id == actor.device_id:
        st.warning(t("access.this_device_warning"), icon="⚠️")
    yes_col, no_col = st.columns(2)
    if yes_col.button(t(yes), type="primary", key="revoke_yes"):
        _forget_revoke()
        # said in a toast too: the list may be long, and the page's top out of sight
        session.flash_outcome(revoke(db, actor, row_id), t(done) if done else None, toast=True)
        st.rerun()
    if no_col.button(t("access.keep"), key="revoke_no"):
        _forget_revoke()
        st.rerun()


@st.dialog(t("access.revoke_code_title"), on_dismiss=_forget_revoke)
def confirm_revoke_code(row_id: int, what: str) -> None:
    _ask_to_revoke("code", row_id, what)


@st.dialog(t("access.sign_device_out_title"), on_dismiss=_forget_revoke)
def confirm_sign_device_out(row_id: int, what: str) -> None:
    _ask_to_revoke("device", row_id, what)


def in_group(row: dict) -> str:
    """ " · group 3", unless the row's name says it already ("3. Youth", as a full set names them)."""
    named = session.device_name(row["label"], row["role"]).startswith(f"{row['group_number']}. ")
    return f" · {t('label.group')} {row['group_number']}" if row["group_number"] and not named else ""


def named(row: dict) -> str:
    """The row's own name and a separator after it, or nothing (no empty place between two dots)."""
    name = session.device_name(row["label"], row["role"])
    return f"{name} · " if name else ""


revocable(
    active,
    lambda r: f"{t('role.' + r['role'])}{in_group(r)} · {named(r)}{r['prefix']}-······ · {r['created_at']:%d.%m %H:%M}",
    "code",
    t("access.revoke"),
)
if len(rows) > len(active):  # "0 revoked codes are not shown" said nothing
    st.caption(t("access.revoked_count", count=len(rows) - len(active)))

# --- devices signed in --------------------------------------------------------------------------------
st.header(t("access.devices"))
revocable(
    access.devices(cur, forum_id),
    lambda d: (
        # a device signed in without a name is its role alone
        f"{named(d)}{t('role.' + d['role'])}{in_group(d)} · "
        f"{t('access.since', time=format(d['created_at'], '%H:%M'))}"
        + (f" · {t('access.this_device')}" if d["id"] == actor.device_id else "")
    ),
    "device",
    t("access.sign_device_out"),
)
pending = st.session_state.get("confirm_revoke")
if pending:
    kind, row_id, what = pending
    (confirm_revoke_code if kind == "code" else confirm_sign_device_out)(row_id, what)
