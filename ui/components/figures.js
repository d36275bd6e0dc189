// Runs the desk's figures again when the scanner has an answer (mounted by ui/desk.py inside the
// figures' fragment on pages/registration.py). The scanner (desk.js) draws the card itself from
// the laptop's HTTP answer and announces it with a window event; this trigger reruns only the
// fragment it sits in (arrivals, this desk's recent check-ins), not the whole page: a full page
// run costs the laptop about twice as much and the tablet's browser redraws every element.
export default function (component) {
  const asked = () => component.setTriggerValue("asked", Date.now());
  window.addEventListener("forum:desk-answered", asked);
  return () => window.removeEventListener("forum:desk-answered", asked);
}
