// The overview's script (/assets/overview.js, after /assets/uplot.js and /assets/dashboard.js): draws the
// charts with uPlot from the live fragment's data-charts, swaps in /overview/live every REFRESH_MS while the
// tab is visible, redraws the charts when the colour scheme changes, and runs the action panel (retry a
// failed payment, resume a held account) through dashboard.js's post() — answers shown as text, never HTML.
export const REFRESH_MS = 5_000;

export const OVERVIEW_JS = `"use strict";
(function () {
  var live = document.getElementById("overview-live");
  if (!live || typeof uPlot !== "function") return;
  var charts = {};
  var lastData = null;

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function width(el) {
    return Math.max(280, Math.floor(el.getBoundingClientRect().width));
  }
  function axis(label, values) {
    var a = { stroke: css("--muted"), grid: { stroke: css("--line"), width: 1 }, ticks: { stroke: css("--line") }, label: label };
    if (values) a.values = values;
    return a;
  }
  function nulls(list) {
    return list.map(function (v) { return v === null || v < 0 ? null : v; });
  }
  function seconds(list) {
    return nulls(list).map(function (v) { return v === null ? null : v / 1000; });
  }
  var count = function (u, ticks) { return ticks.map(function (t) { return Number.isInteger(t) ? t.toLocaleString("pt-BR") : ""; }); };
  var plain = function (u, ticks) { return ticks.map(function (t) { return t.toLocaleString("pt-BR"); }); };

  function specs(d) {
    return {
      "chart-outcomes": {
        series: [{}, { label: "paid", stroke: css("--good") }, { label: "failed", stroke: css("--bad") },
          { label: "rejected", stroke: css("--muted") }, { label: "parked", stroke: css("--warn") }],
        data: [d.minutes, d.outcomes.paid, d.outcomes.failed, d.outcomes.rejected, d.outcomes["needs-reconciliation"]],
        y: axis("payments/min", count)
      },
      "chart-latency": {
        series: [{}, { label: "p95 ms", stroke: css("--accent"), points: { show: true, size: 5 } }],
        data: [d.minutes, nulls(d.bankLatencyP95Ms)],
        y: axis("ms", plain)
      },
      "chart-e2p": {
        series: [{}, { label: "p95 s", stroke: css("--accent"), points: { show: true, size: 5 } }],
        data: [d.minutes, seconds(d.enqueueToPaidP95Ms)],
        y: axis("s", plain)
      }
    };
  }

  function draw(d, rebuild) {
    lastData = d;
    var all = specs(d);
    Object.keys(all).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      var spec = all[id];
      if (charts[id] && !rebuild) {
        charts[id].setData(spec.data);
        return;
      }
      if (charts[id]) charts[id].destroy();
      el.textContent = "";
      charts[id] = new uPlot({
        width: width(el),
        height: 200,
        series: spec.series,
        axes: [axis(""), spec.y],
        scales: { x: { time: true } },
        legend: { live: false }
      }, spec.data, el);
    });
  }

  function chartsOf(el) {
    try {
      return JSON.parse(el.getAttribute("data-charts") || "null");
    } catch (err) {
      return null;
    }
  }

  var first = chartsOf(live);
  if (first) draw(first, true);

  function refresh() {
    if (document.hidden) return Promise.resolve();
    return fetch("/overview/live", { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var next = doc.getElementById("overview-live");
        if (!next) return;
        live.replaceWith(next);
        live = next;
        var d = chartsOf(next);
        if (d) draw(d, false);
        document.documentElement.removeAttribute("data-stale");
      })
      .catch(function () {
        document.documentElement.setAttribute("data-stale", "true");
      });
  }
  setInterval(refresh, ${String(REFRESH_MS)});
  window.addEventListener("resize", function () { if (lastData) draw(lastData, true); });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () { if (lastData) draw(lastData, true); });
  }

  // The action panel: one form, outside the refreshed part.
  var panel = document.getElementById("action-panel");
  if (!panel || !window.pixout) return;
  var title = panel.querySelector("[data-testid=action-title]");
  var hint = panel.querySelector("[data-testid=action-hint]");
  var out = panel.querySelector("output");
  var submit = panel.querySelector("button[type=submit]");
  var current = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-action]") : null;
    if (!button) return;
    current = { action: button.getAttribute("data-action"), target: button.getAttribute("data-target") };
    if (current.action === "retry") {
      title.textContent = "Retry payment " + current.target;
      hint.textContent = "The retry reuses the payment's bank key: the bank answers with the payment it may already have. A paid payment is never retried.";
    } else {
      title.textContent = "Resume account " + current.target;
      hint.textContent = "Sends the held payments again now, without waiting for the next balance check.";
    }
    var retrying = current.action === "retry";
    panel.querySelector("[data-testid=action-new-attempt-label]").hidden = !retrying;
    panel.querySelector("[data-testid=action-new-attempt-hint]").hidden = !retrying;
    panel.elements.namedItem("newAttempt").checked = false;
    out.textContent = "";
    out.removeAttribute("data-status");
    panel.hidden = false;
    panel.elements.namedItem("reason").focus();
  });
  panel.querySelector("button.cancel").addEventListener("click", function () {
    panel.hidden = true;
    current = null;
  });
  panel.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    var reason = panel.elements.namedItem("reason").value;
    if (reason.trim() === "") {
      out.textContent = "A reason is needed (it is audited).";
      out.setAttribute("data-status", "invalid");
      return;
    }
    var action = current;
    submit.disabled = true;
    out.textContent = "Sending…";
    out.setAttribute("data-status", "pending");
    var request = action.action === "retry"
      ? window.pixout.post("/api/payments/" + encodeURIComponent(action.target) + "/retry", {
          reason: reason,
          newAttempt: panel.elements.namedItem("newAttempt").checked
        }).then(function (r) {
          return { text: window.pixout.describeRetry(r.status, r.answer), status: (r.answer && r.answer.status) || "error" };
        })
      : window.pixout.post("/api/accounts/" + encodeURIComponent(action.target) + "/resume", { reason: reason }).then(function (r) {
          return { text: window.pixout.describeResume(r.status, r.answer), status: r.status === 200 && r.answer && r.answer.resumed ? "resumed" : "error" };
        });
    request
      .then(function (shown) {
        out.textContent = shown.text;
        out.setAttribute("data-status", shown.status);
        return refresh();
      })
      .catch(function (err) {
        out.textContent = "The dashboard did not answer: " + err.message;
        out.setAttribute("data-status", "error");
      })
      .finally(function () {
        submit.disabled = false;
      });
  });
})();
`;

export const OVERVIEW_CSS = `
:root { --good: #157f3b; --warn: #b54708; }
@media (prefers-color-scheme: dark) { :root { --good: #4ade80; --warn: #fdb022; } }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .7rem; margin: 0 0 1rem; }
.figure { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 6px; padding: .5rem .8rem; }
.figure dt { color: var(--muted); font-size: .85rem; }
.figure dd { margin: 0; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
.figures.small .figure dd { font-size: 1rem; }
.figure.good { border-left-color: var(--good); }
.figure.warn { border-left-color: var(--warn); }
.figure.bad { border-left-color: var(--bad); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.accounts { width: 100%; }
.attention-list { margin: .4rem 0 1rem; }
.attention-list table { width: 100%; }
.attention-list td:first-child, .attention-list td.num { white-space: nowrap; }
.badge { display: inline-block; min-width: 1.6rem; padding: 0 .4rem; border-radius: 1rem; background: var(--line); text-align: center; font-size: .85rem; }
td.actions { white-space: nowrap; text-align: right; }
button.act { padding: .15rem .6rem; }
#action-panel { position: sticky; top: .5rem; z-index: 2; box-shadow: 0 2px 10px rgba(0,0,0,.2); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
.charts figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem; min-width: 0; }
.charts figcaption { color: var(--muted); font-size: .9rem; margin-bottom: .3rem; }
.u-legend { color: var(--fg); font-size: .8rem; }
html[data-stale=true] #overview-live { opacity: .6; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: 1rem 0; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.filters input, .filters select { font: inherit; padding: .3rem; }
`;
