"""Access (organizer): codes per role and group, slips to print, signed-in devices."""
import pandas as pd
import streamlit as st

from forum_core import access, printing
from forum_core import forum as forum_mod
from ui import session

session.enter_page()
session.guard("access")
t = session.translator()
lang = session.lang()
db = session.database()
cur = session.cursor()
forum = session.current_forum(cur)
forum_id = forum["id"]
actor = session.actor()
session.show_flashes()
groups = forum_mod.groups(cur, forum_id)
group_label = {g["id"]: f"{g['number']}. {g['name']}" for g in groups}

st.title(t("access.title"))
st.caption(t("access.help"))

# --- new codes: shown once, with their slips -------------------------------------------------
made = st.session_state.get("codes_made")
if made:
    st.success(t("access.codes_made", count=len(made)))
    # a plain table: codes can be read and copied (the slips are the way to hand them out)
    st.table(pd.DataFrame([(t(f"role.{m['role']}"), m["label"], m["code"]) for m in made],
                          columns=[t("access.role"), t("access.label"), t("access.code")]))
    st.download_button(t("access.slips"), printing.access_slips_pdf(forum, made, lang), "access-codes.pdf",
                       "application/pdf", key="slips_download", type="primary")
    st.warning(t("access.shown_once"))
    if st.button(t("access.done"), key="codes_done"):
        st.session_state.pop("codes_made", None)
        st.rerun()

left, right = st.columns(2)
with left:
    st.subheader(t("access.full_set"))
    desks = st.number_input(t("access.desks"), min_value=0, max_value=20, value=4, key="set_desks")
    projectors = st.number_input(t("access.projectors"), min_value=0, max_value=10, value=2, key="set_projectors")
    if st.button(t("access.make_full_set"), key="make_full_set", type="primary"):
        st.session_state["codes_made"] = access.create_forum_codes(db, actor, forum_id, int(desks), int(projectors))
        st.rerun()
with right:
    st.subheader(t("access.one_code"))
    role = st.selectbox(t("access.role"), access.CODE_ROLES, format_func=lambda r: t(f"role.{r}"), key="one_role")
    group_id = None
    if role in access.GROUP_ROLES:
        group_id = st.selectbox(t("label.group"), list(group_label), format_func=group_label.get, key="one_group")
    label = st.text_input(t("access.label"), max_chars=120, key="one_label")
    if st.button(t("access.make_one"), key="make_one"):
        outcome = access.create_code(db, actor, forum_id, role, group_id, label)
        if outcome.ok:
            st.session_state["codes_made"] = [{"id": outcome.value[0], "role": role, "group_id": group_id,
                                               "label": label or (group_label.get(group_id, "") if group_id else ""),
                                               "code": access.format_code(outcome.value[1])}]
            st.rerun()
        elif outcome.errors:
            st.error("; ".join(session.error_line(e) for e in outcome.errors))
        else:
            st.warning(t(f"access.reason_{outcome.reason}"))

# --- codes in use -----------------------------------------------------------------------------------
st.subheader(t("access.codes"))
rows = access.codes(cur, forum_id)
active = [r for r in rows if r["revoked_at"] is None]
for r in active:
    c1, c2 = st.columns([5, 1])
    group = f" · {t('label.group')} {r['group_number']}" if r["group_number"] else ""
    c1.text(f"{t('role.' + r['role'])}{group} · {r['label'] or ''} · {r['prefix']}-······ · {r['created_at']:%d.%m %H:%M}")
    if c2.button(t("access.revoke"), key=f"revoke_code_{r['id']}"):
        outcome = access.revoke_code(db, actor, r["id"])
        session.flash("success" if outcome.ok else "warning", t(f"access.reason_{outcome.reason}"))
        st.rerun()
st.caption(t("access.revoked_count", count=len(rows) - len(active)))

# --- devices signed in --------------------------------------------------------------------------------
st.subheader(t("access.devices"))
for d in access.devices(cur, forum_id):
    c1, c2 = st.columns([5, 1])
    group = f" · {t('label.group')} {d['group_number']}" if d["group_number"] else ""
    c1.text(f"{d['label']} · {t('role.' + d['role'])}{group} · {t('access.since')} {d['created_at']:%H:%M}")
    if c2.button(t("access.sign_device_out"), key=f"revoke_device_{d['id']}"):
        outcome = access.revoke_device(db, actor, d["id"])
        session.flash("success" if outcome.ok else "warning", t(f"access.reason_{outcome.reason}"))
        st.rerun()
