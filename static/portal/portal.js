/* The portal's small script, on every page (no inline scripts: the CSP forbids them).
   1. A refused form's error summary takes the focus, so it is read out and the keyboard starts there.
   2. Each date field reads the date back in words as it is typed ("Tuesday 1 December 2026"), so a
      day and month the wrong way round are seen before saving. The server does the same on every
      page it shows; this only keeps the words current while typing.
   The drafts kept in the tab while typing, and their clearing at sign-out, are draft-keeper.js. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  var formatter = new Intl.DateTimeFormat("en-GB", {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
  });

  function readBack(group) {
    var boxes = group.querySelectorAll("input[type=text]");
    var echo = group.querySelector("[data-date-echo]");
    if (boxes.length !== 3 || !echo) {
      return;
    }
    var parts = [boxes[0].value.trim(), boxes[1].value.trim(), boxes[2].value.trim()];
    if (!parts[0] && !parts[1] && !parts[2]) {
      echo.textContent = "";
      return;
    }
    var numbers = parts.map(function (part) { return /^\d+$/.test(part) ? parseInt(part, 10) : NaN; });
    if (parts[2].length !== 4 || numbers.some(isNaN)) {
      echo.textContent = "";
      return;
    }
    var day = new Date(Date.UTC(numbers[2], numbers[1] - 1, numbers[0]));
    var real = day.getUTCFullYear() === numbers[2] && day.getUTCMonth() === numbers[1] - 1 &&
      day.getUTCDate() === numbers[0];
    echo.textContent = real ? formatter.format(day).replace(",", "") : "That is not a real date.";
  }

  document.querySelectorAll("[data-date-input]").forEach(function (group) {
    group.addEventListener("input", function () { readBack(group); });
  });
})();
