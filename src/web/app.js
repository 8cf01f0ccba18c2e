// pulseline pages work without this script; it only adds a live character counter to
// text areas that declare data-counter, and shows the copy buttons (data-copy names the
// element whose text they copy).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var max = parseInt(area.getAttribute("data-counter"), 10);
    if (!max) { return; }
    var out = document.createElement("p");
    out.className = "counter";
    out.setAttribute("aria-live", "polite");
    out.id = area.id + "-counter";
    var label = area.getAttribute("data-counter-label") || "characters left";
    area.insertAdjacentElement("afterend", out);
    var update = function () {
      out.textContent = (max - area.value.length) + " " + label;
    };
    area.addEventListener("input", update);
    update();
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim());
    });
  });
});
