// Japanese by default, English on request (kept in localStorage).
const TEXT = {
  ja: {
    app_title: "納税コールセンター", tenant: "所属（課）", login_id: "ログインID",
    password: "パスワード", log_in: "ログイン", bad_login: "ログインID・パスワードが正しくないか、アカウントがロックされています。",
    too_many_attempts: "ログインの試行が多すぎます。しばらく待ってから再度お試しください。",
    log_out: "ログアウト", sign_in: "受付開始", ready: "待機", pause: "休憩", hang_up: "通話終了",
    state_offline: "ログオフ", state_connecting: "電話機呼出中", state_ready: "待機中",
    state_paused: "休憩中", state_talking: "通話中", state_wrap_up: "後処理中",
    waiting_for_call: "着信を待っています。", identity: "本人確認", birth: "生年月", town: "住所（町名）",
    owed: "滞納状況", tax: "税目", fiscal_year: "年度", installment: "期別", due: "納期限",
    principal: "本税", late_fee: "延滞金", total: "合計", promises: "納付約束", contacts: "経過",
    auto_debit: "口座振替", yes: "あり", no: "なし", script: "トーク",
    outcome: "応対結果", disposition: "結果", conversation_log: "会話記録",
    promise_date: "約束日", promise_amount: "金額", callback_at: "再架電日時",
    handoff_note: "区職員への引継ぎ", slip_for: "再発行する期別", form_sent: "口座振替依頼書を送付",
    pause_after: "保存後に休憩", save: "保存", saved: "保存しました。",
    d_promise_to_pay: "納付約束", d_already_paid: "納付済み", d_slip_reissue: "納付書再発行",
    d_auto_debit_recommended: "口座振替案内", d_consultation_handoff: "相談（区へ引継ぎ）",
    d_callback: "再架電", d_wrong_number: "番号違い", d_third_party: "本人以外が応答",
    d_refused: "拒否", d_answering_machine: "留守番電話",
    pause_reason: "休憩理由", reconnecting: "再接続しています…",
    preview_next: "次の案件", preview_dial: "発信", preview_skip: "見送り",
    s_knows_the_person: "知人・関係者", s_number_in_doubt: "番号に疑義", s_needs_check: "記録の確認が必要",
    s_not_now: "今は架けない", s_other: "その他",
    campaigns: "キャンペーン", campaign: "名称", status: "状態", waiting: "未架電", done: "完了",
    resume: "再開", handoffs: "引継ぎ一覧", person: "氏名", take: "受付", close: "終了",
    result: "対応結果", recordings: "録音", started: "開始", operator: "オペレーター",
    length: "長さ", play: "再生",
    access_log: "閲覧記録", day_from: "開始日", day_to: "終了日", person_id: "対象者ID",
    show: "表示", at: "日時", action: "操作", reason: "理由", truncated: "先頭の2,000件のみ表示しています。",
    script_1: "お忙しいところ失礼いたします。納税コールセンターの{operator}と申します。",
    script_2: "{name}様ご本人でいらっしゃいますか。確認のため生年月日をお願いします。",
    script_3: "{tax}の納期限が過ぎております。お支払いのご予定をお伺いできますか。",
    script_4: "納付書の再発行、口座振替のご案内ができます。ご相談は区の担当者におつなぎします。",
  },
  en: {
    app_title: "Tax call center", tenant: "Department", login_id: "Login ID", password: "Password",
    log_in: "Log in", bad_login: "Wrong login ID or password, or the account is locked.",
    too_many_attempts: "Too many login attempts. Wait a while, then try again.",
    log_out: "Log out", sign_in: "Start", ready: "Ready", pause: "Pause", hang_up: "Hang up",
    state_offline: "Logged out", state_connecting: "Calling your phone", state_ready: "Ready",
    state_paused: "Paused", state_talking: "On call", state_wrap_up: "Wrap-up",
    waiting_for_call: "Waiting for a call.", identity: "Identity check", birth: "Born",
    town: "Town", owed: "Owed", tax: "Tax", fiscal_year: "FY", installment: "No.",
    due: "Due", principal: "Tax", late_fee: "Late fee", total: "Total", promises: "Promises",
    contacts: "Contacts", auto_debit: "Auto-debit", yes: "yes", no: "no", script: "Script",
    outcome: "Outcome", disposition: "Result", conversation_log: "Conversation log",
    promise_date: "Promised date", promise_amount: "Amount", callback_at: "Call back at",
    handoff_note: "Note for ward staff", slip_for: "Reissue slips for",
    form_sent: "Auto-debit form sent", pause_after: "Pause after saving", save: "Save",
    saved: "Saved.", d_promise_to_pay: "Promise to pay", d_already_paid: "Already paid",
    d_slip_reissue: "Reissue payment slip", d_auto_debit_recommended: "Auto-debit recommended",
    d_consultation_handoff: "Consultation (hand to ward)", d_callback: "Call back",
    d_wrong_number: "Wrong number", d_third_party: "Third party", d_refused: "Refused",
    d_answering_machine: "Answering machine", pause_reason: "Pause reason",
    reconnecting: "Reconnecting…", preview_next: "Next record", preview_dial: "Dial",
    preview_skip: "Skip", s_knows_the_person: "I know this person",
    s_number_in_doubt: "Number in doubt", s_needs_check: "Records need checking",
    s_not_now: "Not now", s_other: "Other",
    campaigns: "Campaigns", campaign: "Name", status: "Status", waiting: "Not called",
    done: "Done", resume: "Resume", handoffs: "Hand-offs", person: "Name", take: "Take",
    close: "Close", result: "Result", recordings: "Recordings", started: "Started",
    operator: "Operator", length: "Length", play: "Play",
    access_log: "Access log", day_from: "From", day_to: "To", person_id: "Person id",
    show: "Show", at: "When", action: "Action", reason: "Why", truncated: "Only the first 2,000 rows are shown.",
    script_1: "Hello, this is {operator} of the tax call center.",
    script_2: "Am I speaking with {name}? To confirm, may I have your date of birth?",
    script_3: "The due date for {tax} has passed. When could you pay?",
    script_4: "We can reissue the slip or set up auto-debit; ward staff can discuss it.",
  },
};

export function language() {
  return localStorage.getItem("saikoku.lang") === "en" ? "en" : "ja";
}

export function t(key, values = {}) {
  const text = TEXT[language()][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

export function applyLanguage(root = document) {
  document.documentElement.lang = language();
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  const toggle = document.getElementById("lang-toggle");
  if (toggle) toggle.textContent = language() === "ja" ? "English" : "日本語";
}

export function toggleLanguage() {
  localStorage.setItem("saikoku.lang", language() === "ja" ? "en" : "ja");
  applyLanguage();
  document.dispatchEvent(new Event("languagechange"));
}
