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
    // Fields edited in a list (list_editable) have no label: name each after its column and its row
    // ("Amount, Child protection review"), which is how a sighted administrator reads them (axe label).
    var headings = Array.prototype.map.call(
      document.querySelectorAll("#result_list thead th"), function (th) { return th.textContent.trim(); });
    document.querySelectorAll("#result_list tbody tr").forEach(function (row) {
      var rowName = (row.querySelector("th") || row).textContent.trim();
      Array.prototype.forEach.call(row.children, function (cell, index) {
        cell.querySelectorAll("input:not([type=hidden]):not([type=checkbox]), select, textarea").forEach(
          function (field) {
            if (!field.labels || field.labels.length === 0) {
              field.setAttribute("aria-label", (headings[index] || "Value") + ", " + rowName);
            }
          });
      });
    });
    // A date-and-time field is two inputs after the words "Date:" and "Time:" that are not labels: name
    // them after the field's own label.
    document.querySelectorAll("p.datetime").forEach(function (pair) {
      var inputs = pair.querySelectorAll("input");
      var label = inputs.length && document.querySelector('label[for="' + inputs[0].id + '"]');
      var name = label ? label.textContent.replace(/[:*]\s*$/, "").trim() : "Date and time";
      if (inputs[0] && !inputs[0].labels.length) inputs[0].setAttribute("aria-label", name + ", date");
      if (inputs[1] && !inputs[1].labels.length) inputs[1].setAttribute("aria-label", name + ", time");
    });
    // The list's search box is named by a tooltip only on some lists (axe label-title-only).
    var search = document.getElementById("searchbar");
    if (search && !search.getAttribute("aria-label")) {
      search.setAttribute("aria-label", "Search");
    }
  }, 0);
});
