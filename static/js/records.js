// Record review: selecting text in a field fills the redaction form with that field and its
// character range (in code points). Typing the exact text or the numbers works the same without this script.
(function () {
  "use strict";
  var form = document.getElementById("redaction-form");
  if (!form) { return; }
  var status = document.getElementById("selection-status");

  // Positions are code points, as the server counts them (beatdesk/sametext.py). A string's
  // length counts UTF-16 units, two for each character outside the Basic Multilingual Plane
  // (most emoji), which shifted every selection after one; Array.from splits by code point.
  function offsetWithin(cell, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(cell);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  document.querySelectorAll("[data-redact-field]").forEach(function (cell) {
    cell.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || selection.rangeCount !== 1) { return; }
      var range = selection.getRangeAt(0);
      if (!cell.contains(range.startContainer) || !cell.contains(range.endContainer)) { return; }
      var start = offsetWithin(cell, range.startContainer, range.startOffset);
      var end = offsetWithin(cell, range.endContainer, range.endOffset);
      if (end <= start) { return; }
      form.elements.kind.value = "range";
      form.elements.field.value = cell.getAttribute("data-redact-field");
      form.elements.start.value = String(start);
      form.elements.end.value = String(end);
      if (status) {
        status.textContent = "Selected characters " + start + " to " + end + " of " +
          cell.getAttribute("data-redact-field") + ". Choose an exemption and press Redact.";
      }
    });
  });
}());
