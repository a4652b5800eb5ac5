// Supervisors and ward staff: campaigns (pause / resume), the hand-off work list, recordings;
// auditors: the access log.
import { applyLanguage, t, toggleLanguage } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
let me = null;

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf_token },
  };
  const response = await fetch(path, options);
  if (response.status === 401) window.location.assign("/login");
  const data = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  if (!response.ok && data) $("message").textContent = data.message;
  return { ok: response.ok, data };
}

function row(cells, action) {
  const tr = document.createElement("tr");
  for (const value of cells) {
    const td = document.createElement("td");
    td.textContent = value ?? "";
    tr.append(td);
  }
  const td = document.createElement("td");
  if (action) td.append(action);
  tr.append(td);
  return tr;
}

function button(label, onclick) {
  const b = document.createElement("button");
  b.textContent = label;
  b.onclick = onclick;
  return b;
}

async function showCampaigns() {
  const { ok, data } = await api("/api/campaigns");
  if (!ok) return;
  $("campaigns-box").hidden = false;
  $("campaigns").querySelector("tbody").replaceChildren(...data.map((c) => {
    const next = { running: "paused", paused: "running", ready: "running" }[c.status];
    const action = next && button(t(next === "paused" ? "pause" : "resume"), async () => {
      await api(`/api/campaigns/${c.id}/status`, { to: next });
      showCampaigns();
    });
    return row([c.name, c.status, c.waiting, c.done], action);
  }));
}

async function showHandoffs() {
  const { ok, data } = await api("/api/handoffs");
  if (!ok) return;
  $("handoffs-box").hidden = false;
  $("handoffs").querySelector("tbody").replaceChildren(...data.map((h) => {
    const action = h.status === "open"
      ? button(t("take"), async () => { await api(`/api/handoffs/${h.id}/take`, {}); showHandoffs(); })
      : button(t("close"), async () => {
        const result = window.prompt(t("result"));
        if (result) await api(`/api/handoffs/${h.id}/close`, { result });
        showHandoffs();
      });
    return row([h.name, h.note, h.conversation_log, h.status], action);
  }));
}

async function showRecordings() {
  const { ok, data } = await api("/api/recordings");
  if (!ok) return;
  $("recordings-box").hidden = false;
  $("recordings").querySelector("tbody").replaceChildren(...data.map((r) => row(
    [r.started_at.slice(0, 19), r.operator, `${Math.round(r.duration_ms / 1000)}s`],
    button(t("play"), () => { $("player").src = `/api/recordings/${r.attempt_id}`; $("player").play(); }),
  )));
}

async function showAccessLog(event) {
  event?.preventDefault();
  const form = $("access-form");
  if (!form.elements.from.value) {
    const today = new Date().toLocaleDateString("sv");  // YYYY-MM-DD, local
    form.elements.from.value = today;
    form.elements.to.value = today;
  }
  const query = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ""));
  const { ok, data } = await api(`/api/audit/reads?${query}`);
  if (!ok) return;
  $("access-box").hidden = false;
  $("access-truncated").hidden = !data.truncated;
  $("access").querySelector("tbody").replaceChildren(...data.rows.map((r) => row(
    [r.at.slice(0, 19), r.user_login, r.action, r.reason, r.person_id],
  )));
}

async function main() {
  const response = await fetch("/api/me");
  if (!response.ok) { window.location.assign("/login"); return; }
  me = await response.json();
  if (me.role === "operator") { window.location.assign("/desk"); return; }
  applyLanguage();
  $("who").textContent = me.display_name;
  $("lang-toggle").onclick = toggleLanguage;
  $("log-out").onclick = async () => { await api("/api/logout", {}); window.location.assign("/login"); };
  if (["supervisor", "admin", "pbx_admin", "auditor"].includes(me.role)) await showCampaigns();
  if (["staff", "admin"].includes(me.role)) await showHandoffs();
  if (["supervisor", "staff", "admin"].includes(me.role)) await showRecordings();
  if (["auditor", "admin"].includes(me.role)) {
    $("access-form").onsubmit = showAccessLog;
    await showAccessLog();
  }
}

main();
