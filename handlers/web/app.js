// Passerelle's page: one French article in, its English paragraph by
// paragraph beside the French, as the gateway streams them, and a summary.
// Every value from the article or the gateway is set as text, never as HTML.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const phone = window.matchMedia("(max-width: 720px)");
  const KEY = "passerelle-key";
  const MAX_FILE = 5 << 20;

  const state = {
    run: null,        // the translation under way
    providers: [],    // GET /v1/providers
    primary: "",      // the translation route's first provider
    result: null,     // the last reply
    fileHTML: null,   // the dropped page
  };

  // ---- The API key: this tab only. ----
  $("in-key").value = sessionStorage.getItem(KEY) || "";
  $("in-key").addEventListener("change", () => {
    const key = $("in-key").value.trim();
    if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
    loadProviders();
  });
  function headers(extra) {
    const h = Object.assign({ "Content-Type": "application/json" }, extra || {});
    const key = $("in-key").value.trim();
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  // ---- Where the article comes from. ----
  const kinds = ["text", "url", "file"];
  function kind() { return document.querySelector("input[name=kind]:checked").value; }
  function showKind(k) {
    $("kind-" + k).checked = true;
    for (const other of kinds) $("pane-" + other).hidden = other !== k;
  }
  for (const k of kinds) $("kind-" + k).addEventListener("change", () => showKind(k));

  async function takeFile(file) {
    if (!file) return;
    if (file.size > MAX_FILE) {
      show(explain({ code: "too_large", message: "the file is over 5 MB" }));
      return;
    }
    const text = await file.text();
    if (/\.x?html?$/i.test(file.name) || file.type === "text/html" || /^\s*</.test(text)) {
      state.fileHTML = text;
      showKind("file");
      $("file-name").textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " kB) is ready to translate.";
    } else {
      $("in-text").value = text;
      showKind("text");
    }
  }
  $("in-file").addEventListener("change", () => takeFile($("in-file").files[0]));
  for (const zone of [$("drop"), $("in-text")]) {
    zone.addEventListener("dragover", (e) => {
      if (!e.dataTransfer || !Array.from(e.dataTransfer.types).includes("Files")) return;
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      zone.classList.remove("over");
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      takeFile(e.dataTransfer.files[0]);
    });
  }

  // ---- The providers a request may choose. ----
  async function loadProviders() {
    let body;
    try {
      const res = await fetch("/v1/providers", { headers: headers() });
      if (!res.ok) return;
      body = await res.json();
    } catch (_) {
      return; // the route still works without the list
    }
    state.providers = body.providers || [];
    const route = state.providers.filter((p) => p.routes.some((r) => r.startsWith("translation:")));
    const primary = route.find((p) => p.routes.includes("translation:primary"));
    state.primary = primary ? primary.name : "";
    const select = $("in-provider");
    const chosen = select.value;
    const first = document.createElement("option");
    first.value = "";
    first.textContent = route.length ? "The route: " + route.map((p) => p.name).join(", then ") : "The configured route";
    const options = [first];
    for (const p of state.providers) {
      if (!p.capabilities.translate || !p.available || !p.routes.includes("request_override")) continue;
      const opt = document.createElement("option");
      opt.value = p.name;
      opt.textContent = p.name + " (" + p.type + ")";
      options.push(opt);
    }
    select.replaceChildren(...options);
    if (options.some((o) => o.value === chosen)) select.value = chosen;
  }
  function providerOf(name) { return state.providers.find((p) => p.name === name); }

  // ---- Messages: what happened, in plain words, and what to do. ----
  class Problem extends Error {
    constructor(info) { super(info.code || "problem"); this.info = info; }
  }
  function clearMessage() {
    $("message").hidden = true;
    $("message").classList.remove("info");
    syncPlaceholder();
  }
  function show(m) {
    $("message-title").textContent = m.title;
    $("message-text").textContent = m.text;
    const actions = (m.actions || []).map((a) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = a.primary ? "primary" : "secondary";
      b.textContent = a.label;
      b.addEventListener("click", a.run);
      return b;
    });
    $("message-actions").replaceChildren(...actions);
    $("message").classList.toggle("info", !!m.info);
    $("message").hidden = false;
    syncPlaceholder();
    if (phone.matches) $("message").scrollIntoView({ block: "nearest" });
  }
  // The placeholder stands alone: never beside an error, nor a result.
  function syncPlaceholder() {
    $("placeholder").hidden = !$("message").hidden || !$("rows").hidden;
  }

  function when(seconds) {
    const at = new Date(Date.now() + seconds * 1000);
    const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const h = Math.floor(seconds / 3600), m = Math.ceil((seconds % 3600) / 60);
    const wait = h ? h + " h " + (m ? m + " min" : "") : (m > 1 ? m + " minutes" : "a minute");
    const day = at.toDateString() === new Date().toDateString() ? "" : " tomorrow";
    return time + day + " (in " + wait.trim() + ")";
  }
  const again = { label: "Try again", primary: true, run: () => translate() };

  // explain turns an error the gateway answered, or the network's, into a
  // message for an editor.
  function explain(e) {
    const detail = e.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + "." : "";
    switch (e.code) {
      case "network":
        return { title: "Passerelle did not answer",
          text: "The gateway could not be reached. Check that it is running (make run starts it) and that this computer is online, then try again.",
          actions: [again] };
      case "cut":
        return { title: "The connection was cut before the end",
          text: e.done + " of " + e.total + " paragraphs arrived. Try again: the paragraphs already translated come back from the cache at no cost.",
          actions: [again] };
      case "unsupported_language": {
        const looks = /looks (\w+)/.exec(e.message || "");
        const lang = looks ? looks[1] : "to be in another language";
        if ($("in-lang").value === "") {
          return { title: "This article looks " + lang + ", not French",
            text: "Passerelle translates French articles into English. To go on anyway, let it detect the language: French is translated, and an article already in English comes back as it is, at no cost.",
            actions: [{ label: "Detect the language and translate", primary: true, run: () => { $("in-lang").value = "auto"; translate(); } }] };
        }
        return { title: "This article looks " + lang,
          text: "Passerelle translates French articles into English only. Check that this is the article you meant." };
      }
      case "too_large":
        return { title: "This article is too long to translate at once",
          text: detail + " Split it into parts, and translate each." };
      case "rate_limited":
        if (e.retryAfter >= 120 || /a day/.test(e.message || "")) {
          return { title: "Today's allowance is used up",
            text: "This key has translated all the characters it may today." + (e.retryAfter ? " It resets at " + when(e.retryAfter) + "." : " It resets within a day.") };
        }
        return { title: "Too many requests this minute",
          text: "Wait " + (e.retryAfter || 60) + " seconds, then try again.", actions: [again] };
      case "quota_unavailable":
        return { title: "Your allowance cannot be checked right now",
          text: "Passerelle cannot count what this key has used, so it translates nothing for now. Try again in a minute.", actions: [again] };
      case "unauthorized":
        return { title: "This gateway needs an API key",
          text: "Enter your key in “API key”, then translate again. It is kept in this tab only.",
          actions: [{ label: "Go to the API key", primary: true, run: () => $("in-key").focus() }] };
      case "forbidden":
        return { title: "This key may not do that", text: detail };
      case "provider_error":
      case "output_check_failed":
        return { title: "No provider could translate this article",
          text: "Every translation provider of the route failed: " + (e.message || "no answer") + ". Try again in a minute; if it keeps failing, ask whoever runs Passerelle to look at its providers (/readyz).",
          actions: [again] };
      case "provider_timeout":
        return { title: "The translation took too long",
          text: "The provider did not finish in time. Try again: what was translated is cached, so the next attempt has less to do.", actions: [again] };
      case "no_provider":
        return { title: "No translation provider is available",
          text: detail + " Ask whoever runs Passerelle to configure one." };
      case "overloaded":
      case "shutting_down":
        return { title: "Passerelle is busy",
          text: "It has too much work in hand right now. Try again in " + (e.retryAfter || 5) + " seconds.", actions: [again] };
      case "fetch_failed":
        return { title: "The page could not be fetched",
          text: detail + " Check the address; or save the page from your browser and drop the file here.",
          actions: [{ label: "Use an HTML file instead", run: () => { showKind("file"); $("in-file").focus(); } }] };
      case "url_not_allowed":
        return { title: "This address cannot be fetched", text: detail + " Save the page from your browser and drop the file here instead." };
      case "no_article":
      case "not_html":
        return { title: "No article was found there", text: detail + " Paste the article's text instead." };
      case "empty_article":
      case "empty_input":
        return { title: "Nothing to translate", text: e.message || "Paste an article, give its address, or drop a saved page." };
      case "unknown_provider":
      case "provider_not_allowed":
        loadProviders();
        return { title: "That provider cannot be chosen here", text: detail + " Choose another in “Translated by”." };
      case "invalid_request":
      case "invalid_json":
        return { title: "Passerelle refused the request", text: detail };
    }
    return { title: "Something went wrong",
      text: "Passerelle answered " + (e.status || "an error") + (e.code ? " (" + e.code + ")" : "") + ". Try again; if it happens again, tell whoever runs Passerelle" +
        (e.requestID ? ", quoting request " + e.requestID : "") + ".",
      actions: [again] };
  }

  // problemOf reads an error reply.
  async function problemOf(res) {
    let error = {};
    try { error = (await res.json()).error || {}; } catch (_) { /* not JSON: the status says enough */ }
    const ra = Number(res.headers.get("Retry-After"));
    return new Problem({ status: res.status, code: error.code, message: error.message, requestID: error.request_id, retryAfter: ra > 0 ? ra : 0 });
  }

  // ---- The input as the API takes it. ----
  function articleInput() {
    switch (kind()) {
      case "url": {
        const url = $("in-url").value.trim();
        if (!url) throw new Problem({ code: "empty_input", message: "Give the address of the article, starting with https://." });
        return { url };
      }
      case "file":
        if (!state.fileHTML) throw new Problem({ code: "empty_input", message: "Drop a saved web page here, or choose one." });
        return { html: state.fileHTML };
    }
    const text = $("in-text").value;
    if (!text.trim()) throw new Problem({ code: "empty_input", message: "Paste the article's text, paragraphs separated by blank lines." });
    const input = { text };
    if ($("in-title").value.trim()) input.title = $("in-title").value.trim();
    return input;
  }

  // ---- Progress. ----
  function clock(ms) {
    const s = Math.floor(ms / 1000);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function busy(run) {
    $("go").disabled = !!run;
    $("go").textContent = run ? "Translating…" : "Translate";
    $("cancel").hidden = !run;
    if (run) {
      $("progress").hidden = false;
      run.timer = setInterval(() => { $("elapsed").textContent = clock(performance.now() - run.started); }, 250);
      $("elapsed").textContent = "0:00";
    }
  }
  function setCount(run, text) {
    const total = run.total || 0;
    $("bar").max = Math.max(1, total);
    $("bar").value = Math.min(run.done, total);
    $("count").textContent = text || (total ? run.done + " of " + total + " paragraph" + (total > 1 ? "s" : "") : "Reading the article…");
  }

  // ---- The rows: French beside English. ----
  // el makes an element of the page: tag, class and text.
  function el(tag, className, text) {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // cell is one language's half of a row: its label, then its text.
  function cell(lang, label, text, extraClass) {
    const c = el("div", "cell " + lang + (extraClass ? " " + extraClass : ""));
    c.lang = lang;
    c.append(el("span", "cell-lang", label), el("p", "", text));
    return c;
  }
  function row(index, french) {
    const r = el("div", "row" + (index < 0 ? " title" : ""));
    r.dataset.index = String(index);
    r.append(cell("fr", "French", french), cell("en", "English", "Translating…", "pending"));
    return r;
  }
  // buildRows lays out the article as the stream's first event gives it:
  // the French the gateway translates, which the paragraph indexes follow.
  function buildRows(source) {
    const rows = [];
    if (source.title) rows.push(row(-1, source.title));
    source.paragraphs.forEach((p, i) => rows.push(row(i, p)));
    const head = $("rows").firstElementChild;
    $("rows").replaceChildren(head, ...rows);
    $("rows").hidden = false;
    syncPlaceholder();
  }
  function rowOf(index) {
    let r = $("rows").querySelector('.row[data-index="' + index + '"]');
    if (!r) {
      r = row(index, "");
      $("rows").append(r);
    }
    return r;
  }
  function setEnglish(p) {
    const r = rowOf(p.index);
    const en = r.querySelector(".cell.en");
    const fresh = en.classList.contains("pending");
    en.classList.remove("pending");
    if (fresh) en.classList.add("arrived");
    en.querySelector("p").textContent = p.text;
    en.querySelectorAll(".flag").forEach((f) => f.remove());
    r.classList.remove("flagged", "failed");
    if (p.warning) flag(r, p.warning);
  }
  // A flagged paragraph says why, under its English.
  function flag(r, w) {
    const failed = w.code !== "untranslated_words";
    r.classList.add("flagged");
    if (failed) r.classList.add("failed");
    const note = document.createElement("span");
    note.className = "flag";
    const strong = document.createElement("strong");
    strong.textContent = failed ? "Not translated through the checks: " : "Check this paragraph: ";
    note.append(strong, document.createTextNode(w.message));
    r.querySelector(".cell.en").append(note);
  }

  // ---- The stream. ----
  async function stream(request, run) {
    const res = await fetch("/v1/articles", {
      method: "POST", headers: headers({ Accept: "text/event-stream" }), body: JSON.stringify(request), signal: run.controller.signal,
    });
    if (!res.ok) throw await problemOf(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let ended = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) name = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (!name) continue; // a heartbeat
        if (name === "end") ended = true;
        else onEvent(run, name, JSON.parse(data));
      }
    }
    if (!ended) throw new Problem({ code: "cut", done: run.done, total: run.total });
  }

  function onEvent(run, name, data) {
    switch (name) {
      case "article":
        run.total = data.total;
        buildRows(data);
        setCount(run);
        if (phone.matches) $("result").scrollIntoView({ block: "start", behavior: "smooth" });
        break;
      case "paragraph":
        run.total = data.total;
        run.done = data.done;
        setEnglish(data);
        setCount(run, run.done === run.total ? run.total + " of " + run.total + " paragraphs · writing the summary…" : "");
        break;
      case "summary":
        showSummary(data.text, data.provider, data.model);
        break;
      case "reply":
        finish(run, data);
        break;
      case "error":
        throw new Problem({ status: data.status, code: data.error.code, message: data.error.message, requestID: data.error.request_id, retryAfter: data.retry_after || 0 });
    }
  }

  function showSummary(text, provider, model) {
    const p = providerOf(provider);
    const extractive = provider === "extractive" || (p && p.type === "extractive");
    $("summary-by").textContent = extractive
      ? "By " + provider + ": sentences chosen from the article, not rewritten."
      : "Written by " + provider + (model && model !== provider ? " (" + model + ")" : "") + " from the English translation.";
    $("summary-text").textContent = text;
    $("summary").hidden = false;
  }

  function fact(name, value) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    $("facts").append(dt, dd);
  }

  function finish(run, reply) {
    state.result = reply;
    const tr = reply.translation;
    (reply.warnings || []).forEach((w) => {
      const r = rowOf(w.paragraph);
      if (!r.classList.contains("flagged")) flag(r, w);
    });
    if (tr.title) setEnglishIfPending(-1, tr.title);
    tr.paragraphs.forEach((text, i) => setEnglishIfPending(i, text));
    if (reply.summary) showSummary(reply.summary.text, reply.provider.summary, reply.model.summary);
    notices(reply);
    $("facts").replaceChildren();
    fact("Translation", reply.provider.translation + " · " + reply.model.translation);
    if (reply.summary) fact("Summary", reply.provider.summary + " · " + reply.model.summary);
    if (reply.byline || reply.published) fact("Byline", [reply.byline, reply.published].filter(Boolean).join(", "));
    fact("Cache", reply.cache.status + ": " + reply.cache.segments_cached + " paragraphs from the cache, " + reply.cache.segments_translated + " translated");
    const u = reply.usage.translation || {};
    const free = reply.provider.translation === "none" ? "nothing (already in English, not translated)" : "nothing (from the cache)";
    fact("Cost", u.characters ? u.characters + " characters" : (u.prompt_tokens ? (u.prompt_tokens + u.completion_tokens) + " tokens" : free));
    $("facts").hidden = false;
    $("tools").hidden = false;
    const n = tr.paragraphs.length;
    run.finished = true;
    const took = performance.now() - run.started;
    setCount(run, "Done: " + n + " paragraph" + (n > 1 ? "s" : "") + " in " + (took < 1000 ? "under a second" : clock(took)));
    $("elapsed").textContent = "";
    $("bar").value = $("bar").max;
  }
  function setEnglishIfPending(index, text) {
    const en = rowOf(index).querySelector(".cell.en");
    if (en.classList.contains("pending")) {
      en.classList.remove("pending");
      en.querySelector("p").textContent = text;
    }
  }

  // notices say what the editor should know of the result: a fallback
  // served it, it was English already, or paragraphs are missing.
  function notices(reply) {
    const served = reply.provider.translation;
    const chosen = $("in-provider").value;
    const lines = [];
    if (served === "none") {
      lines.push("This article is already in English: it is returned as it is, at no cost.");
    } else if (state.primary && !chosen && served !== state.primary) {
      const others = served.split(",").filter((n) => n !== state.primary);
      lines.push(served.includes(state.primary)
        ? state.primary + " failed for some paragraphs; " + others.join(", ") + ", the route's fallback, translated them."
        : state.primary + " did not answer; " + others.join(", ") + ", the route's fallback, translated this article.");
    }
    const lost = (reply.warnings || []).filter((w) => w.code !== "untranslated_words").length;
    const unsure = (reply.warnings || []).filter((w) => w.code === "untranslated_words").length;
    if (unsure) lines.push(unsure + " paragraph" + (unsure > 1 ? "s hold" : " holds") + " words the provider left untranslated: marked in yellow below, to check.");
    if (lost) lines.push(lost + " paragraph" + (lost > 1 ? "s" : "") + " could not be translated through the checks: marked in red below, to read before publishing. They are asked for again next time.");
    $("notice").textContent = lines.join(" ");
    $("notice").hidden = !lines.length;
  }

  // ---- A translation, start to end. ----
  async function translate() {
    if (state.run) return;
    clearMessage();
    let input;
    try {
      input = articleInput();
    } catch (err) {
      show(explain(err.info));
      return;
    }
    const request = Object.assign({}, input, { summary_sentences: Number($("in-sentences").value) });
    if ($("in-lang").value) request.source_lang = $("in-lang").value;
    if ($("in-provider").value) request.provider = $("in-provider").value;
    const run = { controller: new AbortController(), started: performance.now(), done: 0, total: 0 };
    state.run = run;
    state.result = null;
    busy(run);
    setCount(run);
    for (const id of ["summary", "facts", "tools", "notice", "rows"]) $(id).hidden = true;
    syncPlaceholder();
    try {
      // One request: the stream tells the article first, then its English.
      await stream(request, run);
    } catch (err) {
      if (run.controller.signal.aborted) {
        $("elapsed").textContent = "";
      setCount(run, "Cancelled: " + run.done + " of " + (run.total || "?") + " paragraphs translated. Nothing more is sent.");
      } else {
        const info = err instanceof Problem ? err.info : { code: err instanceof TypeError ? "network" : "unknown" };
        if (info.code === "cut" && !navigator.onLine) info.code = "network";
        show(explain(info));
        $("progress").hidden = !run.done;
        if (!run.done) {
          $("rows").hidden = true;
          syncPlaceholder();
        }
      }
    } finally {
      clearInterval(run.timer);
      state.run = null;
      busy(null);
    }
  }

  function cancel() {
    if (state.run) state.run.controller.abort();
  }

  $("form").addEventListener("submit", (e) => {
    e.preventDefault();
    translate();
  });
  $("cancel").addEventListener("click", cancel);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.run) cancel();
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target === $("in-text")) {
      e.preventDefault();
      translate();
    }
  });

  // ---- Copy and download. ----
  function english() {
    const tr = state.result.translation;
    return (tr.title ? tr.title + "\n\n" : "") + tr.paragraphs.join("\n\n");
  }
  function said(text) {
    $("tool-status").textContent = text;
    setTimeout(() => { if ($("tool-status").textContent === text) $("tool-status").textContent = ""; }, 4000);
  }
  $("copy").addEventListener("click", async () => {
    if (!state.result) return;
    const text = english();
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      // Without the clipboard API (a page not served over HTTPS): the old way.
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      if (!ok) { said("Copying is not allowed here: select the English and copy it."); return; }
    }
    said("The English is copied.");
  });
  $("download").addEventListener("click", () => {
    const r = state.result;
    if (!r) return;
    const tr = r.translation;
    let md = "# " + (tr.title || "Article") + "\n\n" + tr.paragraphs.join("\n\n") + "\n";
    if (r.summary) md += "\n## Summary\n\n" + r.summary.text + "\n";
    const slug = (tr.title || "article").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "article";
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([md], { type: "text/markdown;charset=utf-8" }));
    a.download = slug + ".en.md";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    said("Downloaded " + a.download + ".");
  });

  loadProviders();
})();
