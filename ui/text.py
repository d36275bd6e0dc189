"""People's text in Streamlit elements that read Markdown: shown as typed, never interpreted.

Streamlit reads Markdown (and its own directives: ``:red[...]``, ``:material/...:``, ``$...$``
for LaTeX) in alerts, captions, ``st.markdown``/``st.write``, titles, tabs, expanders, dialog
titles, toasts, metric labels, and in every widget's label and help, radio options and
segmented-control options. A participant named ``![x](http://host/x.png)`` would make every
browser that shows the name fetch that address; ``[text](url)`` would plant a link.

:func:`md` escapes a value for those places: every ASCII punctuation mark gets a backslash
(CommonMark shows an escaped mark as itself and never starts syntax with it), so names,
titles, notes and labels from the data appear exactly as typed. Use it on the data only,
never on a catalog sentence (which may use Markdown on purpose)::

    st.checkbox(md(f"{person['last_name']} {person['first_name']}"))
    st.success(t("fac.presenter_is", name=md(name)))

Elements that show plain text need nothing: selectbox and multiselect options, ``st.text``,
``st.dataframe`` cells, text inputs' values; HTML comes only from the auto-escaping Jinja2
templates (``ui/render.py``).
"""

from __future__ import annotations

import re
import string
from typing import Any

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def md(value: Any) -> str:
    """``value`` as text for an element that reads Markdown (None: empty)."""
    if value is None:
        return ""
    text = _PUNCTUATION.sub(r"\\\1", str(value))
    # a line break inside a label or an alert stays a break, never the start of a block
    return text.replace("\r\n", "\n").replace("\r", "\n")


def md_join(values, separator: str = ", ") -> str:
    """Several values (titles, names) escaped and joined, for one sentence."""
    return separator.join(md(v) for v in values)
