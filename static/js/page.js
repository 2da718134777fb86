// Behaviour that pages ask for with data- attributes, so no page needs an inline script or an inline
// event handler (the Content-Security-Policy allows neither; see CONTENT_SECURITY_POLICY in settings).
(function () {
  // <select data-autosubmit>: choosing an option sends its form (a <noscript> button does without JS).
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  // hx-trigger="every Ns" on an element with data-poll-when-visible: skip the poll while the tab is
  // hidden, or while the desk queue's bulk bar holds a selection (body.bulk-selecting, desk-queue.js),
  // which a refresh would wipe. (htmx's own "[filter]" syntax would need eval, which the policy forbids.)
  document.addEventListener("htmx:beforeRequest", function (e) {
    var el = e.detail && e.detail.elt;
    if (el && el.hasAttribute && el.hasAttribute("data-poll-when-visible") &&
        (document.visibilityState !== "visible" || document.body.classList.contains("bulk-selecting"))) {
      e.preventDefault();
    }
  });
})();
