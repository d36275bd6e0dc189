// Every page's one component (ui/widgets.py page_context, mounted by navigation.py on every run):
// the page's language, the connection watch (connection.js), Streamlit's own words and the focus
// and contrast styles (words.js), the tablets' narrow margins (tablet.css). ui/widgets.py puts
// those files before this one, so their functions are defined here. One mount per run instead of
// three: each mount is an element Streamlit builds, identifies and sends on every run.

export default function (component) {
  const data = component.data || {};
  const root = document.documentElement;
  root.lang = data.lang || "ka"; // the page's language, for screen readers
  root.classList.toggle("forum-tablet", Boolean(data.tablet)); // tablet.css: desks and group tablets
  updateConnection(data);
  updateWords(data);
}
