// rocketstore console: one page, views chosen by the URL fragment
// (#/cluster, #/topics, #/topic/<name>, #/groups, #/group/<name>,
// #/messages, #/message/<id>). Data comes from the server's /api/. The DOM
// is built with textContent only, so nothing a broker returns is ever
// interpreted as markup.
"use strict";

const REFRESH_MS = 5000;
let refreshTimer = null;
let renderSeq = 0;

// el builds an element: el("td", {class: "num"}, "text", child, ...).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick" || k === "onsubmit" || k === "onchange") e[k] = v;
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const svgNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function table(id, headers, rows) {
  return el("table", {id},
    el("thead", {}, el("tr", {}, headers.map(h => el("th", {class: h.num ? "num" : null}, h.label || h)))),
    el("tbody", {}, rows));
}

function num(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return "–";
  return digits === undefined ? Number(v).toLocaleString("en-US") : Number(v).toFixed(digits);
}

function fmtTime(ms) {
  if (!ms) return "–";
  const d = new Date(ms);
  const p = n => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function fmtBytes(n) {
  if (!n) return "0 B";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function showStatus(text, ok) {
  const s = document.getElementById("status");
  s.textContent = text || "";
  s.className = "status" + (text ? "" : " hidden") + (ok ? " ok" : "");
}

async function api(path, options) {
  const resp = await fetch(path, options);
  let body;
  try { body = await resp.json(); } catch (e) { body = {error: `${resp.status} ${resp.statusText}`}; }
  if (!resp.ok) throw new Error(body.error || `${resp.status} ${resp.statusText}`);
  return body;
}

function card(label, value, id) {
  return el("div", {class: "card"}, el("div", {class: "label"}, label), el("div", {class: "value", id}, value));
}

// ---- cluster ----

async function viewCluster() {
  const [cluster, tp] = await Promise.all([api("/api/cluster"), api("/api/throughput")]);
  const brokers = cluster.brokers || [];
  const last = tp.points.length ? tp.points[tp.points.length - 1] : null;
  const rows = brokers.map(b => el("tr", {"data-broker": b.addr},
    el("td", {}, b.cluster), el("td", {}, b.brokerName), el("td", {class: "num"}, b.brokerId),
    el("td", {}, el("span", {class: "pill " + b.role}, b.role)), el("td", {}, b.addr),
    el("td", {}, b.error ? el("span", {class: "bad", title: b.error}, "unreachable") : b.version),
    el("td", {class: "num"}, num(b.inTps, 1)), el("td", {class: "num"}, num(b.outTps, 1)),
    el("td", {class: "num"}, num(b.msgPutTotal)), el("td", {class: "num"}, num(b.msgGetTotal)),
    el("td", {class: "num", title: b.diskCapacity || ""}, b.error ? "–" : num(b.diskRatio * 100, 1) + " %"),
    el("td", {class: "num"}, fmtBytes(b.replicationLagBytes))));
  return [
    el("h2", {}, "Cluster"),
    el("div", {class: "cards"},
      card("Brokers", brokers.length, "card-brokers"),
      card("Messages in /s", last ? num(last.in, 1) : "–", "card-in"),
      card("Messages out /s", last ? num(last.out, 1) : "–", "card-out"),
      card("Name servers", (cluster.nameServers || []).join(", "))),
    table("brokers", ["Cluster", "Broker", {label: "ID", num: 1}, "Role", "Address", "Version",
      {label: "In /s", num: 1}, {label: "Out /s", num: 1}, {label: "Stored", num: 1}, {label: "Delivered", num: 1},
      {label: "Disk used", num: 1}, {label: "Replication lag", num: 1}], rows),
    el("h2", {}, "Throughput"),
    el("div", {class: "panel chart"}, chart(tp),
      el("div", {class: "legend"}, el("span", {}, el("i", {class: "swatch in"}), "in (messages/s)"),
        el("span", {}, el("i", {class: "swatch out"}), "out (messages/s)"),
        el("span", {class: "muted"}, `one point every ${tp.intervalMillis / 1000} s`),
        tp.error ? el("span", {class: "bad"}, "sampling: " + tp.error) : null)),
  ];
}

// chart draws the throughput ring as two polylines in an SVG.
function chart(tp) {
  const W = 1000, H = 220, L = 50, R = 10, T = 10, B = 24;
  const pts = tp.points;
  const root = svg("svg", {id: "throughput", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img",
    "aria-label": "messages in and out per second"});
  const peak = Math.max(1, ...pts.map(p => Math.max(p.in, p.out)));
  const yMax = niceCeil(peak);
  for (let i = 0; i <= 4; i++) {
    const y = T + (H - T - B) * (1 - i / 4);
    root.append(svg("line", {class: "grid", x1: L, x2: W - R, y1: y, y2: y}),
      svg("text", {x: L - 6, y: y + 4, "text-anchor": "end"}, num(yMax * i / 4, yMax < 4 ? 1 : 0)));
  }
  root.append(svg("line", {class: "axis", x1: L, x2: L, y1: T, y2: H - B}));
  if (pts.length === 0) {
    root.append(svg("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, "waiting for the first samples…"));
    return root;
  }
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  const x = t => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = v => T + (H - T - B) * (1 - v / yMax);
  for (const key of ["in", "out"]) {
    const line = pts.map(p => `${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
    root.append(svg("polyline", {id: "chart-" + key, class: key, points: pts.length === 1 ? line + " " + line : line}));
  }
  root.append(svg("text", {x: L, y: H - 6}, fmtTime(t0)), svg("text", {x: W - R, y: H - 6, "text-anchor": "end"}, fmtTime(t1)));
  return root;
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// ---- topics ----

async function viewTopics() {
  const data = await api("/api/topics");
  const showSystem = location.hash.includes("system=1");
  const topics = data.topics.filter(t => showSystem || !t.system);
  const rows = topics.map(t => el("tr", {class: "link", "data-topic": t.topic, onclick: () => go("#/topic/" + encodeURIComponent(t.topic))},
    el("td", {}, t.topic), el("td", {}, t.brokers.join(", ")),
    el("td", {class: "num"}, t.readQueues), el("td", {class: "num"}, t.writeQueues), el("td", {}, t.perm),
    el("td", {class: "num messages"}, num(t.messages)),
    el("td", {class: "num"}, t.rate ? num(t.rate.in, 1) : "–"), el("td", {class: "num"}, t.rate ? num(t.rate.out, 1) : "–"),
    el("td", {class: "bad"}, t.error || "")));
  return [
    el("h2", {}, "Topics"),
    el("p", {}, el("a", {href: showSystem ? "#/topics" : "#/topics?system=1"}, showSystem ? "hide system topics" : "show system topics")),
    table("topics", ["Topic", "Brokers", {label: "Read queues", num: 1}, {label: "Write queues", num: 1}, "Perm",
      {label: "Messages", num: 1}, {label: "In /s", num: 1}, {label: "Out /s", num: 1}, ""], rows),
    errorsNote(data.errors),
  ];
}

function errorsNote(errors) {
  if (!errors || errors.length === 0) return null;
  return el("p", {class: "bad"}, "Not every broker answered: " + errors.join("; "));
}

async function viewTopic(name) {
  const t = await api("/api/topic?topic=" + encodeURIComponent(name));
  const total = t.queues.reduce((s, q) => s + q.maxOffset - q.minOffset, 0);
  return [
    el("h2", {}, "Topic ", el("span", {id: "topic-name"}, t.topic)),
    el("div", {class: "cards"},
      card("Messages", num(total), "topic-messages"),
      card("Queues", t.queues.length),
      card("In /s", t.rate ? num(t.rate.in, 1) : "–"), card("Out /s", t.rate ? num(t.rate.out, 1) : "–")),
    el("h3", {}, "Queues"),
    table("topic-queues", ["Broker", {label: "Queue", num: 1}, {label: "Min offset", num: 1}, {label: "Max offset", num: 1},
      {label: "Messages", num: 1}, "Last stored"],
      t.queues.map(q => el("tr", {}, el("td", {}, q.brokerName), el("td", {class: "num"}, q.queueId),
        el("td", {class: "num"}, num(q.minOffset)), el("td", {class: "num"}, num(q.maxOffset)),
        el("td", {class: "num"}, num(q.maxOffset - q.minOffset)), el("td", {}, fmtTime(q.lastUpdateTimestamp))))),
    el("h3", {}, "Consumer groups"),
    table("topic-groups", ["Group", {label: "Lag", num: 1}, ""],
      t.groups.map(g => el("tr", {class: "link", onclick: () => go("#/group/" + encodeURIComponent(g.group))},
        el("td", {}, g.group), el("td", {class: "num"}, num(g.lag)), el("td", {class: "bad"}, g.error || "")))),
  ];
}

// ---- groups ----

async function viewGroups() {
  const data = await api("/api/groups");
  const rows = data.groups.map(g => el("tr", {class: "link", "data-group": g.group, onclick: () => go("#/group/" + encodeURIComponent(g.group))},
    el("td", {}, g.group), el("td", {class: "num"}, g.members), el("td", {class: "num lag"}, num(g.lag)),
    el("td", {class: "num"}, num(g.consumeTps, 1)), el("td", {}, g.topics.join(", "))));
  return [
    el("h2", {}, "Consumer groups"),
    table("groups", ["Group", {label: "Members", num: 1}, {label: "Lag", num: 1}, {label: "Consume /s", num: 1}, "Topics"], rows),
    errorsNote(data.errors),
  ];
}

async function viewGroup(name) {
  const g = await api("/api/group?group=" + encodeURIComponent(name));
  const p = g.progress;
  const maxDiff = Math.max(1, ...p.queues.map(q => q.diff));
  const members = g.members.connectionSet || [];
  return [
    el("h2", {}, "Consumer group ", el("span", {id: "group-name"}, g.group)),
    el("div", {class: "cards"},
      card("Lag (messages)", num(p.diffTotal), "group-lag-total"),
      card("Members", members.length, "group-member-count"),
      card("Consume /s", num(p.consumeTps, 1)),
      card("Model", g.members.messageModel || "–")),
    el("h3", {}, "Members"),
    members.length === 0 ? el("p", {class: "muted", id: "group-members"}, "No consumer of this group is connected.") :
      table("group-members", ["Client id", "Address", "Language", {label: "Version", num: 1}],
        members.map(c => el("tr", {}, el("td", {}, c.clientId), el("td", {}, c.clientAddr), el("td", {}, c.language),
          el("td", {class: "num"}, c.version)))),
    el("h3", {}, "Lag per queue"),
    table("group-queues", ["Topic", "Broker", {label: "Queue", num: 1}, {label: "Broker offset", num: 1},
      {label: "Consumer offset", num: 1}, {label: "Lag", num: 1}, "", "Last consumed"],
      p.queues.map(q => el("tr", {}, el("td", {}, q.queue.topic), el("td", {}, q.queue.brokerName),
        el("td", {class: "num"}, q.queue.queueId), el("td", {class: "num"}, num(q.brokerOffset)),
        el("td", {class: "num"}, num(q.consumerOffset)), el("td", {class: "num"}, num(q.diff)),
        el("td", {}, lagBar(q.diff, maxDiff)), el("td", {}, fmtTime(q.lastTimestamp))))),
    resetForm(g),
  ];
}

function lagBar(v, max) {
  const b = el("span", {class: "lagbar"});
  b.style.width = Math.round(120 * Math.max(0, v) / max) + "px";
  return b;
}

// lastReset is the outcome of the last reset, shown again after the
// page redraws with the new offsets.
let lastReset = null;

function resetForm(g) {
  const topics = g.topics.filter(t => !t.startsWith("%RETRY%"));
  const topic = el("select", {id: "reset-topic"}, topics.map(t => el("option", {value: t}, t)));
  const time = el("input", {id: "reset-time", type: "datetime-local", step: "1", class: "hidden"});
  const to = el("select", {id: "reset-to", onchange: () => time.classList.toggle("hidden", to.value !== "time")},
    el("option", {value: "latest"}, "the end (skip the backlog)"),
    el("option", {value: "earliest"}, "the first message"),
    el("option", {value: "time"}, "a time"));
  const result = el("span", {id: "reset-result", class: "muted"});
  if (lastReset && lastReset.group === g.group) {
    result.textContent = lastReset.text;
    result.className = lastReset.ok ? "good" : "bad";
  }
  const submit = async ev => {
    ev.preventDefault();
    const body = {group: g.group, topic: topic.value, to: to.value};
    if (to.value === "time") {
      const ms = new Date(time.value).getTime();
      if (!ms) { result.textContent = "choose a time"; return; }
      body.timestamp = ms;
    }
    result.textContent = "resetting…";
    try {
      const resets = await api("/api/group/reset", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      const n = resets.reduce((s, r) => s + r.queues.length, 0);
      lastReset = {group: g.group, ok: true, text: `reset ${n} queues of ${body.topic} at ${fmtTime(Date.now())}`};
      await render(false);
    } catch (e) {
      lastReset = {group: g.group, ok: false, text: e.message};
      result.textContent = e.message;
      result.className = "bad";
    }
  };
  return el("div", {class: "panel"},
    el("h3", {}, "Reset offsets"),
    topics.length === 0 ? el("p", {class: "muted"}, "The group has no offsets on any topic yet.") :
      el("form", {class: "inline", id: "reset-form", onsubmit: submit},
        "Move ", el("strong", {}, g.group), " on ", topic, " to ", to, time,
        el("button", {id: "reset-submit", type: "submit"}, "Reset"), result));
}

// ---- messages ----

async function viewMessages() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const topic = el("input", {id: "q-topic", placeholder: "topic", value: params.get("topic") || ""});
  const key = el("input", {id: "q-key", placeholder: "message key", value: params.get("key") || ""});
  const id = el("input", {id: "q-id", placeholder: "message id (offset id, or unique id with a topic)", size: 44, value: params.get("id") || ""});
  const byKey = ev => { ev.preventDefault(); go(`#/messages?topic=${encodeURIComponent(topic.value)}&key=${encodeURIComponent(key.value)}`); };
  const byID = ev => {
    ev.preventDefault();
    go(`#/message/${encodeURIComponent(id.value.trim())}` + (topic.value ? `?topic=${encodeURIComponent(topic.value)}` : ""));
  };
  const out = [
    el("h2", {}, "Messages"),
    el("div", {class: "panel"},
      el("form", {class: "inline", onsubmit: byKey}, "Topic ", topic, " key ", key,
        el("button", {id: "q-search-key", type: "submit"}, "Find by key")),
      el("p", {}),
      el("form", {class: "inline", onsubmit: byID}, "Id ", id, el("button", {id: "q-search-id", type: "submit"}, "Find by id"))),
  ];
  if (params.get("topic") && params.get("key")) {
    const msgs = await api(`/api/messages?topic=${encodeURIComponent(params.get("topic"))}&key=${encodeURIComponent(params.get("key"))}`);
    out.push(el("h3", {}, `${msgs.length} message${msgs.length === 1 ? "" : "s"} with the key ${params.get("key")}`),
      table("q-results", ["Message id", "Queue", {label: "Offset", num: 1}, "Tags", "Keys", "Stored", {label: "Body", num: 1}],
        msgs.map(m => el("tr", {class: "link", "data-msgid": m.msgId,
          onclick: () => go(`#/message/${encodeURIComponent(m.msgId)}?topic=${encodeURIComponent(m.topic)}`)},
          el("td", {}, m.msgId), el("td", {}, m.queueId), el("td", {class: "num"}, m.queueOffset), el("td", {}, m.tags),
          el("td", {}, (m.keys || []).join(" ")), el("td", {}, fmtTime(m.storeTimestamp)), el("td", {class: "num"}, fmtBytes(m.bodySize))))));
  }
  return out;
}

async function viewMessage(id) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const topic = params.get("topic") || "";
  const m = await api(`/api/message?id=${encodeURIComponent(id)}&topic=${encodeURIComponent(topic)}`);
  let trace = [], traceErr = "";
  try { trace = await api(`/api/trace?id=${encodeURIComponent(m.msgId)}`); } catch (e) { traceErr = e.message; }
  const fields = [["Message id", m.msgId], ["Offset id", m.offsetMsgId], ["Topic", m.topic], ["Tags", m.tags],
    ["Keys", (m.keys || []).join(" ")], ["Queue", `${m.queueId} @ ${m.queueOffset}`], ["Commit log offset", m.commitLogOffset],
    ["Born", `${fmtTime(m.bornTimestamp)} from ${m.bornHost}`], ["Stored", `${fmtTime(m.storeTimestamp)} on ${m.storeHost}`],
    ["Reconsume times", m.reconsumeTimes], ["Body", fmtBytes(m.bodySize)]];
  const props = Object.keys(m.properties || {}).sort();
  let body;
  if (m.bodyBinary) body = el("pre", {class: "body", id: "msg-body"}, `(${m.bodySize} bytes, not text) base64: ${m.body}`);
  else body = el("pre", {class: "body", id: "msg-body"}, m.bodyText + (m.bodyTruncated ? "\n… (truncated)" : ""));
  return [
    el("h2", {}, "Message ", el("span", {id: "msg-id"}, m.msgId)),
    table("msg-fields", ["Field", "Value"], fields.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, v)))),
    el("h3", {}, "Properties"),
    table("msg-props", ["Name", "Value"], props.map(k => el("tr", {}, el("td", {}, k), el("td", {}, m.properties[k])))),
    el("h3", {}, "Body"), body,
    el("h3", {}, "Trace"),
    traceErr ? el("p", {class: "muted", id: "msg-trace"}, "No trace: " + traceErr) :
      table("msg-trace", ["Type", "Group", "Client", "Time", {label: "Cost", num: 1}, "Status"],
        trace.map(t => el("tr", {}, el("td", {}, t.type), el("td", {}, t.groupName || ""), el("td", {}, t.clientHost || ""),
          el("td", {}, fmtTime(t.timestamp)), el("td", {class: "num"}, t.costTime + " ms"),
          el("td", {class: t.success ? "good" : "bad"}, t.success ? "success" : "failed")))),
  ];
}

// ---- routing ----

const routes = [
  [/^#\/cluster$/, viewCluster, "nav-cluster", true],
  [/^#\/topics(\?.*)?$/, viewTopics, "nav-topics", true],
  [/^#\/topic\/([^?]+)/, viewTopic, "nav-topics", true],
  [/^#\/groups$/, viewGroups, "nav-groups", true],
  [/^#\/group\/([^?]+)/, viewGroup, "nav-groups", true],
  [/^#\/messages(\?.*)?$/, viewMessages, "nav-messages", false],
  [/^#\/message\/([^?]+)/, viewMessage, "nav-messages", false],
];

function go(hash) { if (location.hash === hash) render(false); else location.hash = hash; }

// render draws the view of the current fragment; views with live data
// refresh every REFRESH_MS, keeping what is typed in forms untouched by
// skipping a refresh while a form element has focus.
async function render(fromTimer) {
  clearTimeout(refreshTimer);
  const hash = location.hash || "#/cluster";
  const route = routes.find(r => r[0].test(hash)) || routes[0];
  const arg = (hash.match(route[0]) || [])[1];
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.id === route[2]);
  const seq = ++renderSeq;
  if (fromTimer && document.activeElement && ["INPUT", "SELECT"].includes(document.activeElement.tagName)) {
    refreshTimer = setTimeout(() => render(true), REFRESH_MS);
    return;
  }
  try {
    const nodes = await route[1](arg && !arg.startsWith("?") ? decodeURIComponent(arg) : undefined);
    if (seq !== renderSeq) return; // a newer render started
    const view = document.getElementById("view");
    // A refresh keeps what the user chose in the view's forms.
    const kept = fromTimer ? [...view.querySelectorAll("input[id], select[id]")].map(f => [f.id, f.value]) : [];
    view.replaceChildren(...[nodes].flat().filter(Boolean));
    for (const [id, value] of kept) {
      const f = document.getElementById(id);
      if (f && value) { f.value = value; f.dispatchEvent(new Event("change")); }
    }
    document.getElementById("updated").textContent = "updated " + fmtTime(Date.now());
    showStatus("");
  } catch (e) {
    if (seq !== renderSeq) return;
    showStatus(e.message);
  }
  if (route[3]) refreshTimer = setTimeout(() => render(true), REFRESH_MS);
}

window.addEventListener("hashchange", () => render(false));
document.addEventListener("DOMContentLoaded", () => {
  if (!location.hash) location.hash = "#/cluster";
  render(false);
});
