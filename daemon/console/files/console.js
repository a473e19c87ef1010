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
    certainty: "Certezza", area: "Area interessata, in parole", description: "Descrizione", instruction: "Cosa fare",
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
    tab_inbox: "Cittadini", zones: "Zone colpite (nessuna: tutto il territorio)",
    acknowledge: "Chiedi ai cittadini di rispondere (Sto bene / Ho bisogno di aiuto)",
    reach_preview: (n, zones) => `Raggiungerà ${n} destinatari` +
      (zones === null ? " in tutto il territorio" : ` nelle zone: ${zones || "nessuna"}`),
    by_zone: (z) => `Iscritti per zona: ${z}`, advice: "Consiglio",
    reach_detail: (s, z, p) => `Raggiunge ${s} iscritti` + (z ? ` in ${z} zone` : "") +
      ` e ${p} canali pubblici`,
    acks: (s, h) => `Risposte: ${s} stanno bene, ${h} chiedono aiuto`,
    follow_up_minutes: "Minuti senza risposta", follow_up: "Reinvia a chi non ha risposto",
    followed: (n) => `Reinviata a ${n} cittadini.`,
    by_zone_caption: "Per zona (si aggiorna da sola)", zones_export: "Esporta per zona (CSV)", zone: "Zona", queued: "In coda",
    z_sent: "Inviati", delivered: "Consegnati", read: "Letti", failed: "Falliti",
    safe: "Stanno bene", need_help: "Chiedono aiuto",
    inbox_title: "Messaggi dei cittadini", all: "tutti", st_new: "nuovi",
    st_assigned: "assegnati", st_answered: "risposti",
    inbox_caption: "Conversazioni (si aggiornano da sole)", citizen: "Cittadino",
    assignee: "Assegnata a", last_message: "Ultimo messaggio", assign_to: "Assegna a (persona)",
    assign_role: "oppure al ruolo", assign: "Assegna", reply_text: "Risposta",
    reply_send: "Rispondi",
    replied: (via) => `Risposta inviata (${via === "template" ? "con il modello approvato: " +
                       "sono passate più di 24 ore dall'ultimo messaggio" : "testo libero"}).`,
    assigned_ok: "Conversazione assegnata.",
    conversation: (id, ch, c) => `Conversazione ${id} su ${ch} con ${c}`,
    open_conversation: "Apri conversazione", citizen_said: "cittadino",
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
    certainty: "Certainty", area: "Area, in words", description: "Description", instruction: "What to do",
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
    tab_inbox: "Citizens", zones: "Zones hit (none: the whole territory)",
    acknowledge: "Ask citizens to answer (I am safe / I need help)",
    reach_preview: (n, zones) => `Will reach ${n} recipients` +
      (zones === null ? " over the whole territory" : ` in the zones: ${zones || "none"}`),
    by_zone: (z) => `Subscribers by zone: ${z}`, advice: "Advice",
    reach_detail: (s, z, p) => `Reaches ${s} subscribers` + (z ? ` in ${z} zones` : "") +
      ` and ${p} public channels`,
    acks: (s, h) => `Answers: ${s} safe, ${h} need help`,
    follow_up_minutes: "Minutes without an answer", follow_up: "Send again to those who did not answer",
    followed: (n) => `Sent again to ${n} citizens.`,
    by_zone_caption: "By zone (refreshing by itself)", zones_export: "Export by zone (CSV)", zone: "Zone", queued: "Queued",
    z_sent: "Sent", delivered: "Delivered", read: "Read", failed: "Failed",
    safe: "Safe", need_help: "Need help",
    inbox_title: "Citizens' messages", all: "all", st_new: "new",
    st_assigned: "assigned", st_answered: "answered",
    inbox_caption: "Conversations (refreshing by themselves)", citizen: "Citizen",
    assignee: "Assigned to", last_message: "Last message", assign_to: "Assign to (a person)",
    assign_role: "or to the role", assign: "Assign", reply_text: "Reply",
    reply_send: "Reply",
    replied: (via) => `Reply sent (${via === "template" ? "as the approved template: more " +
                       "than 24 hours since the last message" : "free-form text"}).`,
    assigned_ok: "Conversation assigned.",
    conversation: (id, ch, c) => `Conversation ${id} on ${ch} with ${c}`,
    open_conversation: "Open conversation", citizen_said: "citizen",
  },
};

// CAP's values as readers say them (the server's model/cap_words has the same words).
const CAP_WORDS = {
  it: { Extreme: "Estrema", Severe: "Grave", Moderate: "Moderata", Minor: "Lieve",
        Unknown: "Non nota", Immediate: "Immediata", Expected: "Attesa", Future: "Futura",
        Past: "Passata", Observed: "Osservata", Likely: "Probabile", Possible: "Possibile",
        Unlikely: "Improbabile" },
  en: {},
};
function capWord(value) { return CAP_WORDS[lang][value] || value; }

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

// A time as people write it, in the configured time zone: "7 dicembre 2026, 09:15".
function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return new Intl.DateTimeFormat(lang === "it" ? "it-IT" : "en-GB",
                                 { dateStyle: "long", timeStyle: "short",
                                   timeZone: (me && me.time_zone) || undefined }).format(d);
}

function applyLanguage() {
  document.documentElement.lang = lang;
  // The choices keep CAP's values; the reader sees them in words.
  for (const o of document.querySelectorAll("#severity option, #urgency option, #certainty option")) {
    if (!o.value || o.value === o.textContent) o.value = o.dataset.cap || o.textContent;
    o.dataset.cap = o.value;
    o.textContent = capWord(o.value);
  }
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
  if (view === "compose") { loadChannels(); loadZones(); }
  clearTimeout(inboxTimer);
  if (view === "inbox") loadInbox();
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

let zonesLoaded = false;
const zoneShapes = {};
async function loadZones() {
  if (zonesLoaded) return;
  try {
    const r = await api("GET", "/v1/zones?geometry=true");
    const box = $("#zones");
    for (const z of r.zones) {
      zoneShapes[z.name] = z;
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = z.name;
      input.name = "zone";
      label.append(input, document.createTextNode(z.label));
      box.appendChild(label);
    }
    box.hidden = r.zones.length === 0;
    zonesLoaded = true;
  } catch (e) { fail(e.message); }
}

// A zone as CAP area: each outer ring as a polygon of "lat,lon" pairs (GeoJSON has lon,lat;
// its rings are already closed), and its ISTAT codes as geocodes.
function addZoneArea(z, doc) {
  const g = z.geometry;
  const rings = !g ? [] : g.type === "Polygon" ? [g.coordinates[0]]
              : g.type === "MultiPolygon" ? g.coordinates.map((p) => p[0]) : [];
  for (const ring of rings) {
    (doc.polygons ||= []).push(ring.map(([lon, lat]) => `${lat},${lon}`).join(" "));
  }
  for (const code of z.istat || []) (doc.geocodes ||= []).push({ valueName: "ISTAT", value: code });
}

function composed() {
  const doc = {};
  for (const f of ["headline", "event", "category", "severity", "urgency", "certainty", "area",
                   "description", "instruction"]) {
    const v = $("#" + f).value.trim();
    if (v) doc[f] = v;
  }
  doc.language = lang;
  const zones = [...document.querySelectorAll("#zones input:checked")].map((i) => zoneShapes[i.value]);
  for (const z of zones) addZoneArea(z, doc);
  if (zones.length && !doc.area) doc.area = zones.map((z) => z.label).join(", ");
  if ($("#acknowledge").checked) doc.acknowledge = true;
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
  const advice = $("#preview-advice");
  advice.replaceChildren();
  for (const a of p.advice || []) {
    const li = document.createElement("li");
    li.textContent = `${t("advice")}: ${a.detail}`;
    advice.appendChild(li);
  }
  const hit = p.area && p.area.targeted ? p.area.zones.map((z) => z.label).join(", ") : null;
  $("#preview-reach").textContent = t("reach_preview", p.recipients, hit);
  const out = $("#preview-channels");
  out.replaceChildren();
  for (const c of p.channels) {
    const section = document.createElement("section");
    section.className = "preview-channel";
    const h = document.createElement("h4");
    h.textContent = `${c.channel} (${c.type}): ${t("reaches", c.reaches)}`;
    section.appendChild(h);
    if (c.subscribers_by_zone) {
      const z = document.createElement("p");
      z.textContent = t("by_zone", Object.entries(c.subscribers_by_zone)
                                         .map(([name, n]) => `${name}: ${n}`).join(", "));
      section.appendChild(z);
    }
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
      cell(tr, when(a.accepted_at));
      cell(tr, a.headline);
      cell(tr, capWord(a.severity));
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
    const r = a.reach;
    $("#detail-reach").textContent =
        r ? t("reach_detail", r.subscribers, r.zones.length, r.public_targets) : "";
    const acks = a.acknowledgements || {};
    $("#detail-acks").textContent =
        a.alert.acknowledge ? t("acks", acks.safe || 0, acks.need_help || 0) : "";
    $("#follow-up-box").hidden = !a.alert.acknowledge || !me || me.role !== "operator" ||
                                 a.state === "awaiting_approval";
    const byZone = Object.entries(a.by_zone || {});
    $("#zones-table").hidden = byZone.length === 0;
    $("#zones-export").hidden = byZone.length === 0;
    fill($("#zones-table tbody"), byZone, (tr, [zone, z]) => {
      tr.dataset.zone = zone;
      for (const v of [zone, z.queued, z.sent, z.delivered, z.read, z.failed, z.safe,
                       z.need_help]) {
        cell(tr, v);
      }
    });
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

async function followUp() {
  try {
    const r = await api("POST", `/v1/alerts/${following}/follow-up`,
                        { after_minutes: Number($("#follow-up-minutes").value) });
    say(t("followed", r.recipients));
    refreshAlert();
  } catch (e) { fail(e.message); }
}

// The citizens' inbox: the list refreshes by itself while shown, and so does the open
// conversation.
let inboxTimer = null;
let conversationId = null;
async function loadInbox() {
  clearTimeout(inboxTimer);
  try {
    const state = $("#inbox-state").value;
    const r = await api("GET", "/v1/inbox" + (state ? "?state=" + state : ""));
    fill($("#inbox-table tbody"), r.conversations, (tr, c) => {
      tr.dataset.id = c.id;
      tr.dataset.state = c.state;
      for (const v of [c.id, t("st_" + c.state), c.channel, c.citizen, c.assignee || "",
                       c.last_text]) {
        cell(tr, v);
      }
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = t("open");
      b.setAttribute("aria-label", `${t("open_conversation")} ${c.id}`);
      b.addEventListener("click", () => openConversation(c.id));
      td.appendChild(b);
      tr.appendChild(td);
    });
    if (conversationId) await showConversation();
  } catch (e) { fail(e.message); }
  if (!$("#view-inbox").hidden) inboxTimer = setTimeout(loadInbox, 3000);
}

async function openConversation(id) {
  conversationId = id;
  await showConversation();
  $("#reply-text").focus();
}

async function showConversation() {
  const c = await api("GET", "/v1/inbox/" + conversationId);
  const box = $("#conversation");
  box.hidden = false;
  box.dataset.state = c.state;
  $("#conversation-title").textContent = t("conversation", c.id, c.channel, c.citizen);
  const list = $("#conversation-history");
  list.replaceChildren();
  for (const m of c.history) {
    const li = document.createElement("li");
    li.className = m.direction;
    const who = m.direction === "in" ? t("citizen_said") : `${m.author} (${m.outcome})`;
    li.textContent = `${when(m.at)} — ${who}: ${m.text}`;  // a citizen's words stay text
    list.appendChild(li);
  }
}

async function assignConversation(event) {
  event.preventDefault();
  const person = $("#assign-to").value.trim();
  const role = $("#assign-role").value;
  try {
    await api("POST", `/v1/inbox/${conversationId}/assign`, person ? { to: person } : { role });
    say(t("assigned_ok"));
    loadInbox();
  } catch (e) { fail(e.message); }
}

async function replyToConversation(event) {
  event.preventDefault();
  try {
    const r = await api("POST", `/v1/inbox/${conversationId}/reply`,
                        { text: $("#reply-text").value });
    $("#reply-text").value = "";
    say(t("replied", r.via));
    loadInbox();
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

// Fetches a CSV with the key and hands it to the browser as a download.
async function download(path, name) {
  try {
    const r = await fetch(path, { headers: { Authorization: "Bearer " + key } });
    if (!r.ok) throw new Error(problemText(await r.json()));
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.click();
    URL.revokeObjectURL(url);
  } catch (e) { fail(e.message); }
}

function exportAudit() {
  const q = auditQuery();
  q.set("format", "csv");
  return download("/v1/audit/export?" + q, "araldo-audit.csv");
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
  $("#follow-up").addEventListener("click", followUp);
  $("#zones-export").addEventListener(
      "click", () => download(`/v1/alerts/${following}/by-zone`, `alert-${following}-by-zone.csv`));
  $("#inbox-state").addEventListener("change", loadInbox);
  $("#assign-form").addEventListener("submit", assignConversation);
  $("#reply-form").addEventListener("submit", replyToConversation);
  $("#audit-filter").addEventListener("submit", loadAudit);
  $("#dlog-filter").addEventListener("submit", loadDeliveries);
  $("#audit-export").addEventListener("click", exportAudit);
  $("#audit-verify").addEventListener("click", verifyAudit);
  if (key) signIn(key);
});
