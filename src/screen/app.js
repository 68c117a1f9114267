// Keyboard shortcuts of the review screen (the pages work without them).
// n / j: next cell · p / k: previous cell · c: confirm · o: overturn · 1–9: show finding
// Escape: leave the reason box.
(function () {
  "use strict";
  function go(id) {
    var a = document.getElementById(id);
    if (a && a.href) { window.location.href = a.href; }
  }
  function decide(id) {
    var reason = document.getElementById(id + "-reason");
    if (!reason) { return; }
    // A reason is required: submit when there is one, else ask for it.
    if (id === "confirm" && reason.value.trim() !== "") {
      reason.form.requestSubmit();
    } else {
      reason.focus();
      reason.select();
    }
  }
  // The archived page's frame takes the focus when it scrolls to the finding; keys typed
  // there would never reach this page (the frame runs no script), so take it back.
  var frame = document.getElementById("page");
  function reclaim() {
    if (document.activeElement === frame) { frame.blur(); window.focus(); }
  }
  if (frame) { frame.addEventListener("load", reclaim); reclaim(); }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (typing) {
      if (e.key === "Escape") { t.blur(); }
      return;
    }
    var handled = true;
    switch (e.key) {
      case "n": case "j": go("next"); break;
      case "p": case "k": go("prev"); break;
      case "c": decide("confirm"); break;
      case "o": decide("overturn"); break;
      case "Enter": go("start"); break;
      default:
        var a = /^[1-9]$/.test(e.key) && document.querySelector('a.finding[data-key="' + e.key + '"]');
        if (a) { window.location.href = a.href; } else { handled = false; }
    }
    if (handled) { e.preventDefault(); }
  });
})();
