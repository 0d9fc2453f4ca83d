/* "Log a concern": show the missed-appointment questions only when "Missed appointment" is the kind
   of event, and the concern's own questions otherwise. Without this script every question shows,
   each group saying when it applies; the server decides which are needed either way. Hidden groups
   use the `hidden` attribute, so screen readers skip them too; the choice stays an ordinary select. */
(function () {
  "use strict";
  var select = document.querySelector("[data-missed-choice] select");
  if (!select) { return; }
  var missedOnly = document.querySelectorAll("[data-missed-only]");
  var concernOnly = document.querySelectorAll("[data-concern-only]");
  var ids = Array.prototype.map.call(document.querySelectorAll("[data-missed-only], [data-concern-only]"), function (el) {
    return el.id;
  }).filter(Boolean);
  select.setAttribute("aria-controls", ids.join(" "));

  function show() {
    var missed = select.value === "missed_appointment";
    Array.prototype.forEach.call(missedOnly, function (el) { el.hidden = !missed; });
    Array.prototype.forEach.call(concernOnly, function (el) { el.hidden = missed; });
  }
  select.addEventListener("change", show);
  show();
})();
