// The login form: POST /api/login, then on to the page for the role.
import { applyLanguage, t, toggleLanguage } from "/static/i18n.js";

applyLanguage();
document.getElementById("lang-toggle").addEventListener("click", toggleLanguage);
document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch("/api/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.fromEntries(form.entries())),
  });
  if (!response.ok) {
    const why = response.status === 429 ? "too_many_attempts" : "bad_login";
    document.getElementById("login-error").textContent = t(why);
    return;
  }
  const me = await response.json();
  window.location.assign(me.role === "operator" ? "/desk" : "/console");
});
