// The dashboard's only script and stylesheet, served from the app (no CDN: the CSP allows 'self' only, and
// no inline script). The script sends the retry form and each held account's "Resume now" form as JSON
// with the CSRF token from GET /api/session and shows the server's answer as text (never as HTML).

import { OVERVIEW_CSS } from "./overview-script.js";

export const DASHBOARD_JS = `"use strict";
(function () {
  function say(out, text, status) {
    out.textContent = text;
    out.setAttribute("data-status", status);
  }

  // A state-changing request: JSON, with a fresh CSRF token from GET /api/session (a token is good for 10
  // minutes only: one per action, taken right before it). Resolves to { status, answer }.
  function post(path, body) {
    return fetch("/api/session", { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("session: HTTP " + r.status);
        return r.json();
      })
      .then(function (session) {
        return fetch(path, {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": session.csrfToken },
          body: JSON.stringify(body)
        });
      })
      .then(function (r) {
        return r.json().then(function (answer) {
          return { status: r.status, answer: answer };
        });
      });
  }

  function describeRetry(httpStatus, answer) {
    if (answer && answer.status === "retried") {
      return "Retried (was " + answer.previousOutcome + ") with " + (answer.newKey ? "a NEW" : "the same") +
        " bank key " + answer.idempotencyKey + ", generation " + answer.generation + ". Refresh to follow it.";
    }
    if (answer && answer.status === "refused") return "Not retried: " + answer.why;
    if (answer && answer.status === "not-found") return "Not retried: the payment is no longer in the queue.";
    var error = answer && answer.error ? answer.error : "unexpected answer";
    // A 5xx may come after the retry changed something (the server says so): never claim "not retried".
    if (httpStatus >= 500) return "HTTP " + httpStatus + ": " + error;
    return "Not retried (HTTP " + httpStatus + "): " + error;
  }

  function describeResume(httpStatus, answer) {
    if (httpStatus === 200 && answer && answer.resumed) {
      return "Resumed: " + answer.waiting + " held payment(s) are sent again (" + answer.woken +
        " woken now, the rest at their next look). Reload to see the account's state.";
    }
    var error = answer && answer.error ? answer.error : "unexpected answer";
    // As for a retry: a 5xx may come after the hold was lifted.
    if (httpStatus >= 500) return "HTTP " + httpStatus + ": " + error;
    return "Not resumed (HTTP " + httpStatus + "): " + error;
  }

  // A form with a reason: checked here first (the server checks again), sent by post(), the answer shown
  // as text (never as HTML: it may quote what was typed).
  function wire(form, missingReason, pending, send) {
    var out = form.querySelector("output");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var reason = form.elements.namedItem("reason").value;
      if (reason.trim() === "") {
        say(out, missingReason, "invalid");
        return;
      }
      button.disabled = true;
      say(out, pending, "pending");
      send(reason)
        .then(function (shown) {
          say(out, shown.text, shown.status);
        })
        .catch(function (err) {
          say(out, "The dashboard did not answer: " + err.message, "error");
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  var retry = document.getElementById("retry-form");
  if (retry) {
    wire(retry, "A retry needs a reason (it is audited).", "Retrying…", function (reason) {
      var body = {
        reason: reason,
        newAttempt: retry.elements.namedItem("newAttempt").checked,
        notExecuted: retry.elements.namedItem("notExecuted").checked
      };
      return post("/api/payments/" + encodeURIComponent(retry.getAttribute("data-payment-id")) + "/retry", body).then(function (r) {
        return { text: describeRetry(r.status, r.answer), status: (r.answer && r.answer.status) || "error" };
      });
    });
  }

  // For the overview's action panel (/assets/overview.js).
  if (typeof window !== "undefined") window.pixout = { post: post, describeRetry: describeRetry, describeResume: describeResume };

  var resumes = document.querySelectorAll("form.resume-form");
  Array.prototype.forEach.call(resumes, function (form) {
    wire(form, "A resume needs a reason (it is logged and sent upstream).", "Resuming…", function (reason) {
      return post("/api/accounts/" + encodeURIComponent(form.getAttribute("data-account")) + "/resume", { reason: reason }).then(function (r) {
        return { text: describeResume(r.status, r.answer), status: r.status === 200 && r.answer && r.answer.resumed ? "resumed" : "error" };
      });
    });
  });
})();
`;

export const DASHBOARD_CSS = `${OVERVIEW_CSS}
:root { color-scheme: light dark; --fg: #1d232b; --bg: #f6f7f9; --card: #fff; --muted: #5f6b7a; --line: #d9dee5; --accent: #0b6bcb; --bad: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --bg: #13171c; --card: #1c2128; --muted: #9aa5b4; --line: #2e3540; --accent: #5aa9f5; --bad: #f97066; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .7rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line); }
header nav a { margin-right: 1rem; }
.brand { font-size: 1.1rem; }
.session { margin-left: auto; color: var(--muted); }
main { max-width: 70rem; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
a { color: var(--accent); }
h2 { margin: 1.2rem 0 .6rem; font-size: 1.2rem; }
h3 { margin: 1.2rem 0 .4rem; font-size: 1rem; }
small { color: var(--muted); font-weight: normal; }
.counts { display: flex; flex-wrap: wrap; gap: .8rem; margin: 0; }
.counts div { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.counts dt { color: var(--muted); font-size: .85rem; }
.counts dd { margin: 0; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
.search { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: 1.2rem 0; }
.search input { flex: 1 1 24rem; padding: .45rem .6rem; font: inherit; }
button { font: inherit; padding: .4rem .9rem; cursor: pointer; }
table { border-collapse: collapse; background: var(--card); }
.facts th { text-align: left; padding: .25rem 1rem .25rem .6rem; color: var(--muted); font-weight: normal; white-space: nowrap; vertical-align: top; }
.facts td, .list td, .list th { padding: .25rem .6rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.list th { text-align: left; }
.retry { margin-top: 1.2rem; padding: .8rem 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 6px; max-width: 48rem; }
.retry label { display: block; margin-top: .6rem; }
.retry input[name=reason] { width: 100%; padding: .4rem; font: inherit; }
.retry button { margin-top: .8rem; }
.hint, .note { color: var(--muted); font-size: .9rem; margin: .15rem 0 .3rem; }
.error { color: var(--bad); }
output { display: block; margin-top: .8rem; white-space: pre-wrap; }
output[data-status=retried], output[data-status=resumed] { color: var(--accent); }
.alerts { margin-bottom: 1rem; }
.banner { margin: .6rem 0; padding: .7rem 1rem; border: 2px solid var(--bad); border-left-width: 8px; border-radius: 6px; background: var(--card); }
.banner p { margin: .2rem 0; }
.banner strong { color: var(--bad); }
.resume-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: .5rem; }
.resume-form label { flex-basis: 100%; color: var(--muted); font-size: .9rem; }
.resume-form input[name=reason] { flex: 1 1 20rem; padding: .4rem; font: inherit; }
.resume-form output { flex-basis: 100%; margin-top: .2rem; }
td.deadline-near { color: var(--bad); font-weight: bold; }
output[data-status=refused], output[data-status=error], output[data-status=invalid] { color: var(--bad); }
`;
