// The Django admin, as our administrators use it: fixes for what axe-core finds in Django's own markup.
// Both kinds of widget are built by Django's scripts on the window's load event (SelectFilter2.js) or
// just before it (select2), so these run just after the load handlers.
"use strict";
window.addEventListener("load", function () {
  window.setTimeout(function () {
    // A two-list selector (filter_horizontal) carries the hint of its filter boxes as an aria-label on
    // a bare <span>, which assistive technology may ignore (axe aria-prohibited-attr).
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
    // A search-as-you-type select (autocomplete_fields) is named only by the option chosen, so it has
    // no name while empty (axe aria-input-field-name): name it after the field's own label.
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      var box = select.parentElement.querySelector(".select2-selection");
      if (!label || !box) return;
      var name = label.textContent.replace(/[:*]\s*$/, "").trim();
      box.setAttribute("aria-label", name);
      box.removeAttribute("aria-labelledby");
      box.querySelectorAll('[role="textbox"]').forEach(function (shown) {
        shown.setAttribute("aria-label", name);
      });
    });
  }, 0);
});
