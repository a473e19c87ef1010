// Araldo's console: plain DOM, no library. Every value that came from the API (and so
// possibly from a citizen) is written with textContent, never parsed as HTML.
"use strict";

const TEXT = {
  it: {
    skip: "Vai al contenuto", language: "Lingua", logout: "Esci", login_title: "Accesso",
    login_help: "Incolla la tua chiave API: resta in questa scheda e non viene salvata altrove.",
    key: "Chiave API", enter: "Entra", sections: "Sezioni", tab_status: "Stato",
    tab_compose: "Nuova allerta", tab_alerts: "Allerte", tab_audit: "Registro",
    status_title: "Stato dei canali e della coda", refresh: "Aggiorna", status_caption: "Canali",
    channel: "Canale", state: "Stato", due: "In coda", oldest: "Attesa massima (s)",
    sending: "In invio", reason: "Motivo",
    audit_key: (k) => k ? `Chiave pubblica del registro di controllo (da fissare in araldoctl): ${k}`
                        : "Registro di controllo non firmato (audit.unsigned)",
    migrated: (c, from, to, act) => `Canale ${c}: la chat ${from} è diventata ${to}; le allerte vanno già a ${to}.` +
      (act ? ` Sostituire ${from} con ${to} nella configurazione.` : ""),
    compose_title: "Nuova allerta", headline: "Titolo",
    event: "Evento", category: "Categoria", severity: "Gravità", urgency: "Urgenza",
    certainty: "Certezza", area: "Zona", description: "Descrizione", instruction: "Cosa fare",
    channels: "Canali (nessuno: tutti)", send: "Invia", preview_title: "Anteprima per piattaforma",
    alerts_title: "Allerte", alerts_caption: "Le più recenti", accepted: "Accettata",
    deliveries: "Consegne", open: "Apri", approve: "Approva", reject_reason: "Motivo del rifiuto",
    reject: "Rifiuta", update: "Aggiorna l'allerta", cancel: "Revoca",
    deliveries_caption: "Consegne (si aggiornano da sole)", target: "Destinatario", part: "Parte",
    receipt: "Ricevuta", attempts: "Tentativi", last_error: "Ultimo errore",
    audit_title: "Registro di controllo", kind: "Tipo", actor: "Autore", since: "Dal (UTC)",
    until: "Al (UTC)", filter: "Filtra", export: "Esporta CSV", verify: "Verifica la catena",
    audit_caption: "Eventi", at: "Quando", detail: "Dettaglio",
    dlog_title: "Registro delle consegne",
    signed_in: (n, r) => `Accesso come ${n} (${r})`, bad_key: "Chiave non valida o revocata.",
    sent_ok: (id) => `Allerta accettata: ${id}. Le consegne si aggiornano qui sotto.`,
    not_sendable: "Non inviabile: correggi gli errori dell'anteprima.",
    cancelled: "Allerta revocata.", approved: "Allerta approvata.", rejected: "Allerta rifiutata.",
    confirm_cancel: "Revocare questa allerta? I messaggi pubblicati verranno corretti.",
    updating: (h) => `Aggiornamento di: ${h}`, chain_ok: (h) => `Catena integra. Testa: ${h}`,
    chain_bad: (d) => `Catena NON integra: ${d}`, open_alert: "Apri allerta",
    parts: (n) => `${n} parte/i`, reaches: (n) => `raggiunge ${n}`, none: "nessuna",
  },
  en: {
    skip: "Skip to content", language: "Language", logout: "Sign out", login_title: "Sign in",
    login_help: "Paste your API key: it stays in this tab and is stored nowhere else.",
    key: "API key", enter: "Sign in", sections: "Sections", tab_status: "Status",
    tab_compose: "New alert", tab_alerts: "Alerts", tab_audit: "Audit log",
    status_title: "Channels and queue", refresh: "Refresh", status_caption: "Channels",
    channel: "Channel", state: "State", due: "Queued", oldest: "Longest wait (s)",
    sending: "Sending", reason: "Reason",
    audit_key: (k) => k ? `The audit log's public key (pin it in araldoctl): ${k}`
                        : "The audit log is unsigned (audit.unsigned)",
    migrated: (c, from, to, act) => `Channel ${c}: chat ${from} became ${to}; alerts already go to ${to}.` +
      (act ? ` Replace ${from} with ${to} in the configuration.` : ""),
    compose_title: "New alert", headline: "Headline",
    event: "Event", category: "Category", severity: "Severity", urgency: "Urgency",
    certainty: "Certainty", area: "Area", description: "Description", instruction: "What to do",
    channels: "Channels (none: all)", send: "Send", preview_title: "Preview per platform",
    alerts_title: "Alerts", alerts_caption: "Most recent", accepted: "Accepted",
    deliveries: "Deliveries", open: "Open", approve: "Approve", reject_reason: "Reason for rejecting",
    reject: "Reject", update: "Update the alert", cancel: "Cancel",
    deliveries_caption: "Deliveries (refreshing by themselves)", target: "Recipient", part: "Part",
    receipt: "Receipt", attempts: "Attempts", last_error: "Last error",
    audit_title: "Audit log", kind: "Kind", actor: "Actor", since: "Since (UTC)",
    until: "Until (UTC)", filter: "Filter", export: "Export CSV", verify: "Verify the chain",
    audit_caption: "Events", at: "When", detail: "Detail",
    dlog_title: "Delivery log",
    signed_in: (n, r) => `Signed in as ${n} (${r})`, bad_key: "The key is wrong or revoked.",
    sent_ok: (id) => `Alert accepted: ${id}. Its deliveries update below.`,
    not_sendable: "Not sendable: fix the preview's errors.",
    cancelled: "Alert cancelled.", approved: "Alert approved.", rejected: "Alert rejected.",
    confirm_cancel: "Cancel this alert? Published messages will be corrected.",
    updating: (h) => `Updating: ${h}`, chain_ok: (h) => `Chain intact. Head: ${h}`,
    chain_bad: (d) => `Chain NOT intact: ${d}`, open_alert: "Open alert",
    parts: (n) => `${n} part(s)`, reaches: (n) => `reaches ${n}`, none: "none",
  },
};

const $ = (sel) => document.querySelector(sel);
// ?lang=en in a bookmark, else this tab's choice, else the browser's language.
const asked = new URLSearchParams(location.search).get("lang");
let lang = (asked in TEXT && asked) || sessionStorage.getItem("araldo.lang") ||
           ((navigator.language || "it").startsWith("it") ? "it" : "en");
let key = sessionStorage.getItem("araldo.key") || "";
let me = null;
let following = null;   // the alert whose deliveries are refreshed
let updating = null;    // the alert an update replaces
let followTimer = null;
let wasActive = false;  // the followed alert still had deliveries in flight

function t(name, ...args) {
  const v = TEXT[lang][name];
  return typeof v === "function" ? v(...args) : v;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  $("#language").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  if (me) $("#who").textContent = t("signed_in", me.name, me.role);
}

function say(text) { $("#notice").textContent = text; $("#error").textContent = ""; }
function fail(text) { $("#error").textContent = text; }

// A problem document's title, detail and each error's place, as one line.
function problemText(p) {
  if (!p || typeof p !== "object") return String(p);
  const where = (p.errors || []).map((e) =>
      `${e.pointer || e.parameter || e.header || ""}: ${e.detail}`).join("; ");
  return [p.title, p.detail, where].filter(Boolean).join(" — ");
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + key };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers,
                                body: body === undefined ? undefined : JSON.stringify(body) });
  const type = r.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    const err = new Error(problemText(data));
    err.status = r.status;
    throw err;
  }
  return data;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
  return td;
}

function fill(tbody, rows, render) {
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    render(tr, r);
    tbody.appendChild(tr);
  }
}

function allowed(el) {
  const roles = el.dataset.roles;
  return !roles || (me && roles.split(" ").includes(me.role));
}

function show(view) {
  for (const b of document.querySelectorAll("#tabs button")) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  for (const s of document.querySelectorAll(".view")) s.hidden = s.id !== "view-" + view;
  if (view === "status") loadStatus();
  if (view === "alerts") loadAlerts();
  if (view === "audit") { loadAudit(); loadDeliveries(); }
  if (view === "compose") loadChannels();
}

async function signIn(candidate) {
  key = candidate;
  try {
    me = await api("GET", "/v1/me");
  } catch (e) {
    me = null;
    key = "";
    sessionStorage.removeItem("araldo.key");
    fail(e.status === 401 ? t("bad_key") : e.message);
    return;
  }
  sessionStorage.setItem("araldo.key", key);
  $("#login").hidden = true;
  $("#tabs").hidden = false;
  $("#logout").hidden = false;
  for (const el of document.querySelectorAll("[data-roles]")) el.hidden = !allowed(el);
  applyLanguage();
  say("");
  show("status");
}

async function loadStatus() {
  try {
    const s = await api("GET", "/v1/status");
    fill($("#status-table tbody"), Object.entries(s.channels), (tr, [name, c]) => {
      cell(tr, name);
      cell(tr, c.state);
      cell(tr, c.due);
      cell(tr, c.oldest_due_seconds);
      cell(tr, c.sending);
      cell(tr, c.reason || "");
    });
    // A chat that moved for good: the admin should name its new id in the configuration.
    const notices = $("#status-migrations");
    notices.replaceChildren();
    for (const m of s.target_migrations || []) {
      const li = document.createElement("li");
      li.textContent = t("migrated", m.channel, m.from, m.to, m.configuration_names_old_address);
      notices.appendChild(li);
    }
    $("#status-audit-key").textContent = t("audit_key", s.audit && s.audit.public_key);
  } catch (e) { fail(e.message); }
}

let channelsLoaded = false;
async function loadChannels() {
  if (channelsLoaded) return;
  try {
    const s = await api("GET", "/v1/status");
    const box = $("#channels");
    for (const name of Object.keys(s.channels)) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = name;
      input.name = "channel";
      label.append(input, document.createTextNode(name));
      box.appendChild(label);
    }
    channelsLoaded = true;
  } catch (e) { fail(e.message); }
}

function composed() {
  const doc = {};
  for (const f of ["headline", "event", "category", "severity", "urgency", "certainty", "area",
                   "description", "instruction"]) {
    const v = $("#" + f).value.trim();
    if (v) doc[f] = v;
  }
  doc.language = lang;
  const channels = [...document.querySelectorAll("#channels input:checked")].map((i) => i.value);
  if (channels.length) doc.channels = channels;
  return doc;
}

let previewTimer = null;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 400);
}

async function preview() {
  const doc = composed();
  if (!doc.headline) return;
  const problems = $("#preview-problems");
  const out = $("#preview-channels");
  try {
    const p = await api("POST", "/v1/alerts/preview", doc);
    renderPreview(p);
  } catch (e) {
    problems.replaceChildren();
    const li = document.createElement("li");
    li.className = "problem-error";
    li.textContent = e.message;
    problems.appendChild(li);
    out.replaceChildren();
  }
}

function renderPreview(p) {
  const problems = $("#preview-problems");
  problems.replaceChildren();
  for (const pr of p.problems) {
    const li = document.createElement("li");
    li.className = "problem-" + pr.severity;
    li.textContent = `${pr.severity}: ${pr.channel || ""} ${pr.detail}`;
    problems.appendChild(li);
  }
  const out = $("#preview-channels");
  out.replaceChildren();
  for (const c of p.channels) {
    const section = document.createElement("section");
    section.className = "preview-channel";
    const h = document.createElement("h4");
    h.textContent = `${c.channel} (${c.type})`;
    section.appendChild(h);
    for (const r of c.renditions) {
      const info = document.createElement("p");
      info.textContent = `${r.language}: ${t("parts", r.parts.length)}, ${t("reaches", r.targets)}`;
      section.appendChild(info);
      for (const part of r.parts) {
        const pre = document.createElement("pre");
        pre.className = "part";
        pre.textContent = (part.text !== undefined ? part.text : JSON.stringify(part.message)) +
                          `\n[${part.length}/${part.limit} ${part.unit}]`;
        section.appendChild(pre);
      }
    }
    out.appendChild(section);
  }
  $("#send").disabled = !p.sendable;
}

async function send(event) {
  event.preventDefault();
  try {
    const doc = composed();
    const r = updating ? await api("POST", `/v1/alerts/${updating.id}/update`, doc)
                       : await api("POST", "/v1/alerts", doc);
    updating = null;
    $("#compose-mode").textContent = "";
    say(t("sent_ok", r.id));
    show("alerts");
    openAlert(r.id);
  } catch (e) { fail(e.message); }
}

async function loadAlerts() {
  try {
    const r = await api("GET", "/v1/alerts?limit=25");
    fill($("#alerts-table tbody"), r.alerts, (tr, a) => {
      cell(tr, a.accepted_at);
      cell(tr, a.headline);
      cell(tr, a.severity);
      cell(tr, Object.entries(a.summary).map(([s, n]) => `${s}: ${n}`).join(", "));
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = t("open");
      b.setAttribute("aria-label", `${t("open_alert")}: ${a.headline}`);
      b.addEventListener("click", () => openAlert(a.id));
      td.appendChild(b);
      tr.appendChild(td);
    });
  } catch (e) { fail(e.message); }
}

async function openAlert(id) {
  following = id;
  clearTimeout(followTimer);
  await refreshAlert();
}

async function refreshAlert() {
  if (!following) return;
  try {
    const a = await api("GET", "/v1/alerts/" + following);
    const detail = $("#alert-detail");
    detail.hidden = false;
    detail.dataset.id = a.id;
    detail.dataset.state = a.state;
    $("#detail-title").textContent = a.alert.headline;
    const receipts = Object.entries(a.receipts || {}).map(([s, n]) => `${s}: ${n}`).join(", ");
    $("#detail-state").textContent =
        `${a.state} — ${Object.entries(a.summary).map(([s, n]) => `${s}: ${n}`).join(", ")}` +
        (receipts ? ` — ${t("receipt")}: ${receipts}` : "");
    $("#approve").hidden = !allowed($("#approve")) || a.state !== "awaiting_approval";
    $("#reject").hidden = $("#approve").hidden;
    $("#reject-reason").hidden = $("#approve").hidden;
    $("label[for=reject-reason]").hidden = $("#approve").hidden;
    fill($("#deliveries-table tbody"), a.deliveries, (tr, d) => {
      tr.dataset.state = d.state;
      cell(tr, d.channel);
      cell(tr, d.target);
      cell(tr, `${d.part}/${d.parts}`);
      cell(tr, d.state);
      cell(tr, d.receipt ? d.receipt.state : "");
      cell(tr, d.attempts);
      cell(tr, d.last_error);
    });
    const active = a.deliveries.some((d) => ["pending", "sending", "retrying"].includes(d.state));
    if (wasActive && !active) loadAlerts();  // the list's summary is final now
    wasActive = active;
    followTimer = setTimeout(refreshAlert, active ? 1000 : 5000);
    return a;
  } catch (e) { fail(e.message); }
}

async function act(path, body, message) {
  try {
    await api("POST", `/v1/alerts/${following}/${path}`, body);
    say(t(message));
    refreshAlert();
  } catch (e) { fail(e.message); }
}

async function startUpdate() {
  const a = await api("GET", "/v1/alerts/" + following);
  updating = a;
  for (const f of ["headline", "event", "category", "severity", "urgency", "certainty", "area",
                   "description", "instruction"]) {
    if (a.alert[f] !== undefined) $("#" + f).value = a.alert[f];
  }
  show("compose");
  $("#compose-mode").textContent = t("updating", a.alert.headline);
  $("#headline").focus();
  schedulePreview();
}

function auditQuery() {
  const q = new URLSearchParams();
  for (const [id, name] of [["audit-kind", "kind"], ["audit-actor", "actor"],
                            ["audit-since", "since"], ["audit-until", "until"]]) {
    const v = $("#" + id).value.trim();
    if (v) q.set(name, v);
  }
  return q;
}

async function loadAudit(event) {
  if (event) event.preventDefault();
  try {
    const q = auditQuery();
    q.set("limit", "200");
    const r = await api("GET", "/v1/audit?" + q);
    fill($("#audit-table tbody"), r.events.slice().reverse(), (tr, e) => {
      cell(tr, e.id);
      cell(tr, e.at);
      cell(tr, e.actor);
      cell(tr, e.kind);
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify(e.detail, null, 1);  // citizens' words stay text
      cell(tr, "").appendChild(pre);
    });
  } catch (e) { fail(e.message); }
}

async function loadDeliveries(event) {
  if (event) event.preventDefault();
  try {
    const q = new URLSearchParams({ state: $("#dlog-state").value, limit: "200" });
    for (const [id, name] of [["dlog-channel", "channel"], ["dlog-target", "target"]]) {
      const v = $("#" + id).value.trim();
      if (v) q.set(name, v);
    }
    const r = await api("GET", "/v1/deliveries?" + q);
    fill($("#dlog-table tbody"), r.deliveries, (tr, d) => {
      cell(tr, d.id);
      cell(tr, d.channel);
      cell(tr, d.target);
      cell(tr, d.state);
      cell(tr, d.attempts);
      cell(tr, d.updated_at);
    });
  } catch (e) { fail(e.message); }
}

async function exportAudit() {
  try {
    const q = auditQuery();
    q.set("format", "csv");
    const r = await fetch("/v1/audit/export?" + q, { headers: { Authorization: "Bearer " + key } });
    if (!r.ok) throw new Error(problemText(await r.json()));
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = "araldo-audit.csv";
    a.click();
    URL.revokeObjectURL(url);
  } catch (e) { fail(e.message); }
}

async function verifyAudit() {
  try {
    const r = await api("GET", "/v1/audit/verify");
    $("#verify-result").textContent = r.ok ? t("chain_ok", r.head) : t("chain_bad", r.detail || "");
  } catch (e) {
    $("#verify-result").textContent = t("chain_bad", e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  applyLanguage();
  $("#language").addEventListener("change", () => {
    lang = $("#language").value;
    sessionStorage.setItem("araldo.lang", lang);
    applyLanguage();
  });
  $("#login").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#key").value.trim()); });
  $("#logout").addEventListener("click", () => { sessionStorage.clear(); location.reload(); });
  for (const b of document.querySelectorAll("#tabs button")) {
    b.addEventListener("click", () => show(b.dataset.view));
  }
  $("#status-refresh").addEventListener("click", loadStatus);
  $("#alerts-refresh").addEventListener("click", loadAlerts);
  $("#compose").addEventListener("input", schedulePreview);
  $("#compose").addEventListener("change", schedulePreview);
  $("#compose").addEventListener("submit", send);
  $("#approve").addEventListener("click", () => act("approve", undefined, "approved"));
  $("#reject").addEventListener("click",
                                () => act("reject", { reason: $("#reject-reason").value }, "rejected"));
  $("#cancel").addEventListener("click", () => { if (confirm(t("confirm_cancel"))) act("cancel", undefined, "cancelled"); });
  $("#update").addEventListener("click", startUpdate);
  $("#audit-filter").addEventListener("submit", loadAudit);
  $("#dlog-filter").addEventListener("submit", loadDeliveries);
  $("#audit-export").addEventListener("click", exportAudit);
  $("#audit-verify").addEventListener("click", verifyAudit);
  if (key) signIn(key);
});
