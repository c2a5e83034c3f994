// Saves a return's page as a draft while the auditor types (the page works without this: Save draft does the same).
const form = document.querySelector("form[data-autosave-url]");
const DELAY_MS = 3000;

if (form) {
  const status = form.querySelector("[data-autosave-status]");
  const version = form.querySelector("[data-version]");
  let timer = null;
  let stopped = false;

  const say = (text) => {
    if (status) status.textContent = text;
  };

  const save = async () => {
    if (stopped) return;
    const body = new FormData(form);
    body.set("action", "autosave");
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const data = await response.json();
      if (response.ok) {
        version.value = data.version;
        say(`Draft saved at ${new Date(data.saved_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}.`);
      } else if (response.status === 409) {
        stopped = true;
        say("Someone else has saved this return. Select 'Save draft' to compare their answers with yours.");
      } else {
        say("Some answers need correcting. They will be checked when you save.");
      }
    } catch {
      say("Could not save a draft just now. Your answers are still on this page: select 'Save draft'.");
    }
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  };

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", () => clearTimeout(timer));
}
