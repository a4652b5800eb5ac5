// The operator desktop: state and timer, the screen-pop over a WebSocket that reconnects on
// its own, and the outcome form. Every write carries the session's CSRF token.
import { applyLanguage, t, toggleLanguage } from "/static/i18n.js";

const DISPOSITIONS = ["promise_to_pay", "already_paid", "slip_reissue", "auto_debit_recommended",
  "consultation_handoff", "callback", "wrong_number", "third_party", "refused", "answering_machine"];
// Why a previewed person is put back without a call (campaigns/dialing.py SkipReason).
const SKIP_REASONS = ["knows_the_person", "number_in_doubt", "needs_check", "not_now", "other"];
const $ = (id) => document.getElementById(id);
let me = null;
let card = null;
let stateSince = Date.now();
let currentState = "offline";
let previewTarget = null;

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf_token },
  };
  const response = await fetch(path, options);
  if (response.status === 401) toLogin();
  return { ok: response.ok, data: await response.json() };
}

function showState(message) {
  currentState = message.state;
  stateSince = Date.now() - 1000 * (message.for_s || 0);
  const badge = $("state");
  badge.dataset.state = currentState;
  badge.textContent = t(`state_${currentState}`);
  $("sign-in").hidden = currentState !== "offline";
  $("ready").hidden = !["paused", "wrap_up"].includes(currentState);
  $("pause").hidden = $("pause-reason").hidden = !["ready", "wrap_up"].includes(currentState);
  $("hang-up").hidden = currentState !== "talking";
  $("preview-next").hidden = currentState !== "ready" || previewTarget !== null;
  $("preview-dial").hidden = $("preview-skip").hidden = $("skip-reason").hidden =
    currentState !== "ready" || previewTarget === null;
  if (currentState !== "ready") previewTarget = null;
  $("outcome").hidden = !card || !["talking", "wrap_up"].includes(currentState);
  if ((currentState === "ready" && previewTarget === null) || currentState === "offline") clearCard();
}

function text(node, value) { node.textContent = value ?? "—"; }

function listItems(list, items, render) {
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.textContent = render(item);
    return li;
  }));
}

function yen(amount) { return `${Number(amount).toLocaleString("ja-JP")}円`; }

function showCard(next) {
  card = next;
  $("card").hidden = false;
  $("idle").hidden = true;
  text($("name"), card.name);
  text($("kana"), card.name_kana);
  text($("birth"), card.identity.birth_year_month);
  text($("town"), card.identity.town);
  text($("auto-debit"), card.auto_debit.some((a) => a.auto_debit && !a.cancelled) ? t("yes") : t("no"));
  const body = $("owed").querySelector("tbody");
  body.replaceChildren(...card.owed.map((row) => {
    const tr = document.createElement("tr");
    for (const value of [row.tax_name, row.fiscal_year, row.installment_no, row.due_date,
      yen(row.principal_owed), yen(row.late_fee_owed)]) {
      const td = document.createElement("td");
      td.textContent = value ?? "—";
      tr.append(td);
    }
    return tr;
  }));
  text($("owed-total"), yen(card.owed_total));
  const tax = [...new Set(card.owed.map((r) => r.tax_name))].join("・");
  listItems($("script"), [1, 2, 3, 4], (n) => t(`script_${n}`,
    { operator: me.display_name, name: card.name_kana || card.name, tax }));
  listItems($("promises"), card.promises, (p) => `${p.promised_date} ${yen(p.amount)} (${p.status})`);
  listItems($("contacts"), card.contacts, (c) => `${c.at.slice(0, 16)} ${c.kind} ${c.summary}`);
  $("slip-items").replaceChildren(...card.owed.map((row) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "slip";
    box.value = row.installment_id;
    label.append(box, ` ${row.tax_name} ${row.fiscal_year} 第${row.installment_no}期`);
    return label;
  }));
  $("outcome").reset();
  $("outcome-message").textContent = "";
  showDispositionFields();
  $("outcome").hidden = false;
}

function clearCard() {
  card = null;
  $("card").hidden = true;
  $("outcome").hidden = true;
  $("idle").hidden = false;
}

function showDispositionFields() {
  const chosen = $("disposition").value;
  for (const fieldset of document.querySelectorAll("fieldset[data-for]")) {
    fieldset.hidden = fieldset.dataset.for !== chosen;
  }
}

function fillChoices(select, values, prefix) {
  const chosen = select.value;
  select.replaceChildren(...values.map((v) => new Option(t(`${prefix}${v}`), v)));
  if (chosen) select.value = chosen;
}

function fillSelects() {
  fillChoices($("disposition"), DISPOSITIONS, "d_");
  fillChoices($("skip-reason"), SKIP_REASONS, "s_");
}

async function saveOutcome(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const disposition = form.get("disposition");
  const body = { attempt_id: card.attempt_id, disposition,
    conversation_log: form.get("conversation_log") };
  if (disposition === "promise_to_pay") {
    body.promise = { date: form.get("promise_date"), amount: Number(form.get("promise_amount")) };
  }
  if (disposition === "callback" && form.get("callback_at")) {
    body.callback_at = `${form.get("callback_at")}:00+09:00`;
  }
  if (disposition === "consultation_handoff") body.handoff_note = form.get("handoff_note");
  if (disposition === "slip_reissue") body.slip_installment_ids = form.getAll("slip");
  if (disposition === "auto_debit_recommended") {
    body.auto_debit_form_sent = form.get("auto_debit_form_sent") === "on";
  }
  const saved = await api("/api/operator/outcome", body);
  if (!saved.ok) {
    $("outcome-message").textContent = saved.data.message
      + (saved.data.detail ? ` (${saved.data.detail.map((d) => d.problem).join("; ")})` : "");
    return;
  }
  $("outcome-message").textContent = t("saved");
  if (currentState === "wrap_up") {
    await api("/api/operator/ready", form.get("pause_after") === "on"
      ? { ready: false, reason: $("pause-reason").value } : { ready: true });
  }
}

function connect(delay = 1000) {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/operator/ws`);
  socket.onopen = () => { $("link").textContent = ""; delay = 1000; };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "state") showState(message);
    if (message.type === "screen_pop") showCard(message.card);
  };
  socket.onclose = (event) => {
    // 4001: the session is over (logged out, idle, account disabled): log in again.
    if (event.code === 4001 || leaving) { toLogin(); return; }
    $("link").textContent = t("reconnecting");
    setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  };
}

// The login page, once: a logout and the socket its session closes (4001) both lead there.
let leaving = false;
function toLogin() {
  if (leaving) return;
  leaving = true;
  window.location.assign("/login");
}

async function main() {
  const response = await fetch("/api/me");
  if (!response.ok) { toLogin(); return; }
  me = await response.json();
  applyLanguage();
  fillSelects();
  $("who").textContent = me.display_name;
  $("sign-in").onclick = () => api("/api/operator/sign-in", {});
  $("ready").onclick = () => api("/api/operator/ready", { ready: true });
  $("pause").onclick = () => api("/api/operator/ready", { ready: false, reason: $("pause-reason").value });
  $("hang-up").onclick = () => api("/api/operator/hang-up", {});
  $("preview-next").onclick = async () => {
    const next = await api("/api/operator/preview/next", {});
    if (!next.ok) { $("link").textContent = next.data.message; return; }
    previewTarget = next.data.target_id;
    showCard(next.data.card);
    $("outcome").hidden = true;
    showState({ state: currentState, for_s: (Date.now() - stateSince) / 1000 });
  };
  $("preview-dial").onclick = async () => {
    const dialed = await api("/api/operator/preview/dial", { target_id: previewTarget });
    previewTarget = null;
    if (!dialed.ok) $("link").textContent = dialed.data.message;
  };
  $("preview-skip").onclick = async () => {
    const skipped = await api("/api/operator/preview/skip",
      { target_id: previewTarget, reason: $("skip-reason").value });
    if (!skipped.ok) { $("link").textContent = skipped.data.message; return; }
    previewTarget = null;
    clearCard();
    showState({ state: currentState, for_s: (Date.now() - stateSince) / 1000 });
  };
  $("log-out").onclick = async () => {
    await api("/api/operator/sign-out", {});
    await api("/api/logout", {});
    toLogin();
  };
  $("lang-toggle").onclick = toggleLanguage;
  document.addEventListener("languagechange", () => {
    fillSelects();
    showState({ state: currentState, for_s: (Date.now() - stateSince) / 1000 });
    if (card) showCard(card);
  });
  $("disposition").onchange = showDispositionFields;
  $("outcome").onsubmit = saveOutcome;
  setInterval(() => {
    const s = Math.floor((Date.now() - stateSince) / 1000);
    $("timer").textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  }, 500);
  showState({ state: "offline" });
  connect();
}

main();
