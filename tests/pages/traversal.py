"""What a page shows, collected from an AppTest run, sorted by how Streamlit draws it.

Shared by the page traversals (tests/pages/test_hostile_text.py; test_no_raw_keys.py keeps its
own list of texts). Streamlit reads Markdown in alerts, markdown, captions, titles, toasts,
every widget's label and help, metric labels, radio and segmented-control options, tab and
expander labels, dialog titles and ``st.table``'s cells; it shows as plain text selectbox and
multiselect options, ``st.text``, placeholders and ``st.dataframe``'s cells; ``st.html`` is HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BODY_KINDS = {"markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success", "toast"}
MARKDOWN_OPTIONS = {"radio", "button_group", "segmented_control", "pills"}
PLAIN_OPTIONS = {"selectbox", "multiselect"}


@dataclass
class Shown:
    markdown: list[str] = field(default_factory=list)  # read as Markdown by the browser
    plain: list[str] = field(default_factory=list)  # shown as text
    html: list[str] = field(default_factory=list)  # st.html bodies (the auto-escaping templates)

    def add(self, other: Shown) -> None:
        self.markdown += other.markdown
        self.plain += other.plain
        self.html += other.html


def nodes(at):
    stack = [at._tree]
    while stack:
        node = stack.pop()
        yield node
        children = getattr(node, "children", None) or {}
        stack.extend(children.values())


def _option_text(option) -> str:
    return str(getattr(option, "content", option))


def shown(at) -> Shown:
    out = Shown()
    for node in nodes(at):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in ("expander", "tab"):
            out.markdown.append(node.label)
            continue
        if kind == "dialog":
            out.markdown.append(proto.dialog.title)
            continue
        if kind == "table":  # st.table reads its header, index and every cell as Markdown
            frame = node.value
            out.markdown += [str(v) for v in (*frame.columns, *frame.index)]
            out.markdown += [str(v) for row in frame.itertuples(index=False) for v in row]
            continue
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        fields = proto.DESCRIPTOR.fields_by_name
        if kind in BODY_KINDS and "body" in fields:
            out.markdown.append(proto.body)
        elif kind == "text" and "body" in fields:
            out.plain.append(proto.body)
        elif kind == "html" and "body" in fields:
            out.html.append(proto.body)
        for name in ("label", "help"):
            if name in fields and getattr(proto, name):
                out.markdown.append(getattr(proto, name))
        if "placeholder" in fields and proto.placeholder:
            out.plain.append(proto.placeholder)
        if "options" in fields:
            options = [_option_text(o) for o in proto.options]
            (out.markdown if kind in MARKDOWN_OPTIONS else out.plain).extend(options)
        if kind == "arrow_data_frame":
            out.plain.append(str(proto))
    return out
