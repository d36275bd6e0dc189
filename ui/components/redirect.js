// Sends the browser to another address of the app (mounted by ui/widgets.py redirect):
// after a sign-in to /api/device, whose HTTP answer sets the HttpOnly device cookie, and
// after a sign-out to /api/signout, which clears it. replace(): the back button does not
// return to the form.
export default function (component) {
  const url = component.data?.url;
  if (url && url.startsWith("/")) window.location.replace(url);
}
