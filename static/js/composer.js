// Live length counters for the composer. The server does the counting (twitter-text v3 for X,
// Mastodon's rules, Bluesky graphemes), so the counter and the save check never disagree.
(function () {
  "use strict";
  var form = document.querySelector("form.composer");
  if (!form) { return; }
  var body = form.querySelector("textarea[data-counter='body']");
  var box = document.getElementById("counters");
  var token = form.querySelector("input[name='csrf_token']");
  if (!body || !box) { return; }
  var timer = null;
  var sequence = 0;

  function render(counts, text) {
    counts.forEach(function (c) {
      var item = box.querySelector("[data-platform='" + c.platform + "']");
      if (!item) { return; }
      item.querySelector(".counter-length").textContent = c.length;
      item.querySelector(".counter-note").textContent = c.over ? "(" + (c.length - c.limit) + " too many)" : "";
      item.classList.toggle("counter--over", c.over);
    });
    box.setAttribute("data-counted", text);
  }

  function count() {
    var mine = ++sequence;
    var text = body.value;
    var headers = { "Content-Type": "application/json" };
    if (token) { headers["X-CSRFToken"] = token.value; }
    fetch(form.getAttribute("data-count-url"), {
      method: "POST", headers: headers, credentials: "same-origin",
      body: JSON.stringify({ text: text })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && mine === sequence) { render(data.counts, text); }
    }).catch(function () { /* the save check still applies */ });
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(count, 150);
  });
}());
