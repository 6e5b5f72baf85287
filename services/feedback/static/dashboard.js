// Handoff lead-quality dashboard: reads /v1/kpis with the key the user pasted (kept in
// sessionStorage for this tab only) and draws plain SVG charts. Text is set with
// textContent only, so figures from the API can never become markup.
"use strict";

const KEY = "handoff.feedback.apiKey";
const SVG = "http://www.w3.org/2000/svg";
const DASH = "—";
const $ = (id) => document.getElementById(id);

let currency = "USD";

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const isNum = (v) => v !== null && v !== undefined && v !== "" && !Number.isNaN(Number(v));
const num = (v) => (isNum(v) ? new Intl.NumberFormat("en").format(Number(v)) : DASH);
const pct = (v) => (isNum(v) ? `${Number(v).toFixed(1)} %` : DASH);
function money(v) {
  if (!isNum(v)) return DASH;
  return new Intl.NumberFormat("en", { style: "currency", currency, maximumFractionDigits: 0 }).format(Number(v));
}
function duration(seconds) {
  if (!isNum(seconds)) return DASH;
  const s = Number(seconds);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

const COLUMNS = [
  ["name", "Group", (v, r) => v ?? r.key ?? "(none)"],
  ["leads", "Leads", num],
  ["qualified", "Qualified", num],
  ["customers", "Customers", num],
  ["conversion_rate_pct", "Conversion", pct],
  ["spend", "Spend", money],
  ["revenue", "Revenue", money],
  ["cost_per_qualified_lead", "Cost / qualified lead", money],
  ["cac", "CAC", money],
  ["roi_pct", "ROI", pct],
  ["speed_to_lead_p50_seconds", "Speed to lead p50", duration],
  ["speed_to_lead_p90_seconds", "p90", duration],
  ["sla_compliance_pct", "SLA compliance", pct],
  ["campaign_to_close_p50_seconds", "Capture → close p50", duration],
  ["feedback_coverage_pct", "Feedback coverage", pct],
  ["lost_after_sla_breach", "Lost after SLA breach", num],
  ["never_contacted", "Never contacted", num],
  ["worked_conversion_rate_pct", "Worked conversion", pct],
  ["disqualification_reasons", "Disqualified because",
    (v) => Object.entries(v || {}).map(([k, n]) => `${k.replace("_", " ")} ${n}`).join(", ") || DASH],
];

const CARDS = [
  ["leads", "Leads", num], ["qualified", "Qualified", num], ["customers", "Customers", num],
  ["conversion_rate_pct", "Conversion", pct], ["cost_per_qualified_lead", "Cost / qualified lead", money],
  ["cac", "CAC", money], ["roi_pct", "ROI", pct], ["speed_to_lead_p50_seconds", "Speed to lead p50", duration],
  ["sla_compliance_pct", "SLA compliance", pct], ["feedback_coverage_pct", "Feedback coverage", pct],
  ["lost_after_sla_breach", "Lost after SLA breach", num], ["never_contacted", "Never contacted", num],
];

function params(groupBy) {
  const q = new URLSearchParams({ group_by: groupBy });
  if ($("start").value) q.set("start", $("start").value);
  if ($("end").value) q.set("end", $("end").value);
  return q;
}

async function api(path, query) {
  const key = sessionStorage.getItem(KEY);
  const response = await fetch(`${path}?${query}`, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error.message; } catch (_) { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

function status(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function renderCards(totals) {
  const box = $("cards");
  box.replaceChildren();
  for (const [field, label, fmt] of CARDS) {
    const card = el("div", { class: "card", "data-field": field });
    card.append(el("div", { class: "label" }, label), el("div", { class: "value" }, fmt(totals[field], totals)));
    box.append(card);
  }
}

function renderTable(data) {
  const head = el("tr");
  for (const [, label] of COLUMNS) head.append(el("th", {}, label));
  $("kpi-table").tHead.replaceChildren(head);
  const body = $("kpi-table").tBodies[0];
  body.replaceChildren();
  for (const row of data.groups) {
    const tr = el("tr", { "data-key": row.key ?? "" });
    for (const [field, , fmt] of COLUMNS) tr.append(el("td", { "data-field": field }, fmt(row[field], row)));
    body.append(tr);
  }
  if (!data.groups.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: COLUMNS.length, class: "empty" }, "No routed leads in this period."));
    body.append(tr);
  }
  $("group-name").textContent = data.group_by;
}

function bars(target, items, fmt, color) {
  // Horizontal bars; negative values (a losing ROI) grow left from the zero line.
  const box = $(target);
  box.replaceChildren();
  const shown = items.filter((i) => isNum(i.value));
  if (!shown.length) { box.append(el("div", { class: "empty" }, "Nothing to show yet.")); return; }
  const width = 320, label = 110, row = 24, h = shown.length * row + 4;
  const values = shown.map((i) => Number(i.value));
  const lo = Math.min(0, ...values), hi = Math.max(0, ...values), span = hi - lo || 1;
  const plot = width - label - 70, x = (v) => label + ((v - lo) / span) * plot;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${h}`, width: "100%", role: "img" });
  shown.forEach((item, i) => {
    const v = Number(item.value), y = i * row + 4;
    chart.append(svg("text", { x: label - 6, y: y + 14, "text-anchor": "end" }, item.label.slice(0, 18)));
    chart.append(svg("rect", { x: Math.min(x(0), x(v)), y, width: Math.max(1, Math.abs(x(v) - x(0))), height: row - 8,
      fill: v < 0 ? "var(--bad)" : color, rx: 2 }));
    chart.append(svg("text", { x: Math.max(x(0), x(v)) + 4, y: y + 14 }, fmt(v)));
  });
  chart.append(svg("line", { x1: x(0), x2: x(0), y1: 0, y2: h, class: "axis" }));
  box.append(chart);
}

function lines(target, points, series, fmt, maxHint) {
  const box = $(target);
  box.replaceChildren();
  const usable = points.filter((p) => series.some((s) => isNum(p[s.field])));
  if (!usable.length) { box.append(el("div", { class: "empty" }, "Nothing to show yet.")); return; }
  const width = 320, height = 150, left = 40, bottom = 20, top = 8;
  const values = usable.flatMap((p) => series.map((s) => p[s.field]).filter(isNum).map(Number));
  const hi = Math.max(maxHint || 0, ...values) || 1;
  const x = (i) => left + (usable.length === 1 ? (width - left) / 2 : (i / (usable.length - 1)) * (width - left - 8));
  const y = (v) => top + (1 - v / hi) * (height - top - bottom);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img" });
  chart.append(svg("line", { x1: left, x2: width, y1: y(0), y2: y(0), class: "axis" }));
  chart.append(svg("text", { x: left - 4, y: y(hi) + 4, "text-anchor": "end" }, fmt(hi)));
  chart.append(svg("text", { x: left - 4, y: y(0), "text-anchor": "end" }, "0"));
  chart.append(svg("text", { x: left, y: height - 4 }, usable[0].key));
  if (usable.length > 1) chart.append(svg("text", { x: width - 4, y: height - 4, "text-anchor": "end" }, usable.at(-1).key));
  for (const s of series) {
    const pts = usable.map((p, i) => [i, p[s.field]]).filter(([, v]) => isNum(v));
    chart.append(svg("polyline", { points: pts.map(([i, v]) => `${x(i)},${y(Number(v))}`).join(" "),
      fill: "none", stroke: s.color, "stroke-width": 2 }));
    for (const [i, v] of pts) chart.append(svg("circle", { cx: x(i), cy: y(Number(v)), r: 3, fill: s.color }));
  }
  series.forEach((s, i) => chart.append(svg("text", { x: left + 8 + i * 60, y: top + 10, fill: s.color }, s.label)));
  box.append(chart);
}

async function load() {
  if (!sessionStorage.getItem(KEY)) { document.body.dataset.state = "locked"; return; }
  document.body.dataset.state = "loading";
  status("Loading…");
  try {
    const groupBy = $("group-by").value;
    const [grouped, byCampaign, byDay] = await Promise.all([
      api("/v1/kpis", params(groupBy)).then((r) => r.json()),
      api("/v1/kpis", params("campaign")).then((r) => r.json()),
      api("/v1/kpis", params("day")).then((r) => r.json()),
    ]);
    currency = grouped.currency;
    renderCards(grouped.totals);
    renderTable(grouped);
    const t = grouped.totals;
    bars("funnel", [
      { label: "Leads", value: t.leads }, { label: "Contacted", value: t.contacted },
      { label: "Qualified", value: t.qualified }, { label: "Customers", value: t.customers },
    ], num, "var(--a)");
    const minutes = byDay.groups.map((g) => ({ key: g.key,
      p50: isNum(g.speed_to_lead_p50_seconds) ? g.speed_to_lead_p50_seconds / 60 : null,
      p90: isNum(g.speed_to_lead_p90_seconds) ? g.speed_to_lead_p90_seconds / 60 : null,
      sla: g.sla_compliance_pct }));
    lines("speed", minutes, [{ field: "p50", label: "p50", color: "var(--a)" },
      { field: "p90", label: "p90", color: "var(--b)" }], (v) => v.toFixed(0));
    lines("sla", minutes, [{ field: "sla", label: "SLA %", color: "var(--good)" }], (v) => v.toFixed(0), 100);
    const campaigns = byCampaign.groups.map((g) => ({ label: g.name ?? g.key ?? "(none)", cpql: g.cost_per_qualified_lead, roi: g.roi_pct }));
    bars("cpql", campaigns.map((c) => ({ label: c.label, value: c.cpql })), money, "var(--a)");
    bars("roi", campaigns.map((c) => ({ label: c.label, value: c.roi })), pct, "var(--good)");
    status(`Updated ${new Date().toLocaleTimeString()}`);
    document.body.dataset.state = "loaded";
  } catch (error) {
    if (error.status === 401 || error.status === 403) sessionStorage.removeItem(KEY);
    status(`Could not load the figures: ${error.message}`, true);
    document.body.dataset.state = "error";
  }
}

async function downloadCsv() {
  try {
    const blob = await (await api("/v1/kpis.csv", params($("group-by").value))).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: `kpis-by-${$("group-by").value}.csv` });
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    status(`Could not export: ${error.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("api-key").value.trim());
    $("api-key").value = "";
    load();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    document.body.dataset.state = "locked";
    status("Key forgotten.");
  });
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("csv").addEventListener("click", downloadCsv);
  load();
});
