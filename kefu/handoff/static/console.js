// Agent workbench. Data from the server is only ever written with textContent
// (never as HTML markup), so buyer text cannot inject markup into the agent's page.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const PLATFORM_LABELS = { pinduoduo: "拼多多", taobao: "淘宝/天猫", jd: "京东", douyin: "抖音" };

async function api(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  if (response.status === 401) { window.location = "/login"; throw new Error("logged out"); }
  let data = {};
  try { data = await response.json(); } catch (e) { data = { message: "HTTP " + response.status }; }
  return { ok: response.ok, status: response.status, data };
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function minutes(seconds) {
  if (seconds < 60) return seconds + " 秒";
  return Math.floor(seconds / 60) + " 分钟";
}

function clock(ts) {
  const d = new Date(ts * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}

function platformTag(platform) {
  return el("span", PLATFORM_LABELS[platform] || platform, "tag " + platform);
}

// Countdowns tick locally: each carries its deadline in the browser's clock.
function countdownNode(cd) {
  const node = el("span", "", "countdown");
  if (!cd) return node;
  node.dataset.deadline = String(Date.now() / 1000 + cd.remaining_seconds);
  node.dataset.limit = String(cd.limit_seconds);
  node.dataset.warn = String(cd.warn_seconds);
  node.dataset.label = cd.label;
  tick(node);
  return node;
}

function tick(node) {
  const left = Math.round(Number(node.dataset.deadline) - Date.now() / 1000);
  const limit = Number(node.dataset.limit), warn = Number(node.dataset.warn);
  node.classList.remove("ok", "warn", "late");
  node.classList.add(left <= 0 ? "late" : (left <= limit - warn ? "warn" : "ok"));
  const abs = Math.abs(left);
  const text = Math.floor(abs / 60) + ":" + String(abs % 60).padStart(2, "0");
  node.textContent = (left <= 0 ? "已超时 " : "剩余 ") + text;
  node.title = node.dataset.label + "：" + (left <= 0 ? "已超过平台时限" : "距平台时限");
}

function renderDetails(dl, details) {
  dl.replaceChildren();
  if (!details) { dl.append(el("dd", "—", "muted")); return; }
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined || typeof value === "object") continue;
    dl.append(el("dt", key), el("dd", value));
  }
}

// Violations highlighted in place: the reply text split into text nodes and <mark>s.
function renderCheck(check, ids) {
  const preview = document.getElementById(ids.preview);
  const list = document.getElementById(ids.violations);
  preview.replaceChildren();
  list.replaceChildren();
  const text = check.text;
  let pos = 0;
  const spans = check.violations.slice().sort((a, b) => a.start - b.start);
  for (const v of spans) {
    if (v.start < pos) continue;
    preview.append(document.createTextNode(text.slice(pos, v.start)));
    const mark = el("mark", text.slice(v.start, v.end), "violation " + v.action);
    mark.title = v.category_label || v.category;
    mark.dataset.category = v.category;
    preview.append(mark);
    pos = v.end;
  }
  preview.append(document.createTextNode(text.slice(pos)));
  preview.dataset.verdict = check.verdict;
  for (const v of spans) {
    list.append(el("div", (v.category_label || v.category) + "：「" + v.term + "」（" + (v.action_label || v.action) + "）", "violation-item"));
  }
  document.getElementById("rewrite-box").hidden = check.verdict !== "rewritten";
  document.getElementById("rewrite-text").textContent = check.rewritten || "";
  document.getElementById("send-status").textContent =
    { pass: "可以发送", rewritten: "需采用改写后发送", blocked: "违反平台规则，不能发送" }[check.verdict] || "";
}

// --- alerts: sound, desktop notification, tab badge --------------------------------------------
const alerts = {
  unseen: 0,
  enabled() { return localStorage.getItem("kefu-alerts") !== "off"; },
  badge() { document.title = (this.unseen ? "(" + this.unseen + ") " : "") + "kefu · 工作台"; },
  ring(text) {
    if (document.hasFocus() === false || document.hidden) { this.unseen += 1; this.badge(); }
    if (!this.enabled()) return;
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880; osc.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no audio device */ }
    if ("Notification" in window && Notification.permission === "granted") new Notification("kefu 工作台", { body: text });
  },
};
window.addEventListener("focus", () => { alerts.unseen = 0; alerts.badge(); });


// --- the workbench --------------------------------------------------------------------------------
function kefuWorkbench() {
  const bench = document.getElementById("bench");
  const me = bench.dataset.agent;
  const supervisor = Boolean(bench.dataset.supervisor);
  const tabs = new Map();   // ticket id -> {detail, draft}
  let active = null;
  let order = [];           // ticket ids as listed (for "next chat")
  let lastCheck = null;
  let timer = null;
  const reply = document.getElementById("reply");
  const notice = document.getElementById("notice");
  const alertBox = document.getElementById("alerts");
  alertBox.checked = alerts.enabled();
  alertBox.addEventListener("change", () => {
    localStorage.setItem("kefu-alerts", alertBox.checked ? "on" : "off");
    if (alertBox.checked && "Notification" in window && Notification.permission === "default") Notification.requestPermission();
  });

  function showNotice(text) { notice.textContent = text || ""; notice.hidden = !text; }

  function chatItem(t) {
    const item = el("li", null, t.id === active ? "active" : "");
    item.dataset.ticketId = t.id;
    const line1 = el("div", null, "line1");
    line1.append(platformTag(t.platform), el("b", "#" + t.id), el("span", t.reason_label, "prio" + t.priority));
    if (t.unanswered) line1.append(el("span", t.unanswered, "unread"));
    item.append(line1, el("div", t.preview || "（无买家消息）", "preview-text"));
    const line3 = el("div", null, "line1 small");
    line3.append(el("span", "等待 " + minutes(t.waiting_seconds), "muted"), countdownNode(t.countdown));
    if (t.agent && !t.mine) line3.append(el("span", "· " + t.agent, "muted"));
    item.append(line3);
    item.addEventListener("click", () => openChat(t.id));
    return item;
  }

  async function refreshQueue() {
    const platform = document.getElementById("platform-filter").value;
    const { ok, data } = await api("GET", "/api/tickets" + (platform ? "?platform=" + encodeURIComponent(platform) : ""));
    if (!ok) return;
    const lists = { mine: [], queue: [], others: [] };
    for (const t of data.tickets) (t.mine ? lists.mine : (t.status === "open" ? lists.queue : lists.others)).push(t);
    order = [];
    for (const [name, rows] of Object.entries(lists)) {
      const list = document.getElementById(name);
      if (!list) continue;
      list.replaceChildren(...rows.map(chatItem));
      order.push(...rows.map((t) => t.id));
    }
    document.getElementById("mine-count").textContent = "(" + lists.mine.length + ")";
    document.getElementById("queue-count").textContent = "(" + lists.queue.length + ")";
  }

  function renderTabs() {
    const bar = document.getElementById("tabs");
    bar.replaceChildren();
    for (const [id, tab] of tabs) {
      const button = el("button", "#" + id + " " + (PLATFORM_LABELS[tab.detail.platform] || ""), id === active ? "active" : "");
      button.dataset.ticketId = id;
      button.addEventListener("click", () => openChat(id));
      const x = el("span", "×", "x");
      x.title = "关闭标签";
      x.addEventListener("click", (event) => { event.stopPropagation(); closeTab(id); });
      button.append(x);
      bar.append(button);
    }
    document.getElementById("empty").hidden = tabs.size > 0;
    document.getElementById("chat").hidden = tabs.size === 0;
  }

  function closeTab(id) {
    tabs.delete(id);
    if (active === id) active = tabs.size ? Array.from(tabs.keys()).pop() : null;
    renderTabs();
    if (active !== null) renderChat(tabs.get(active).detail);
  }

  function renderChat(t) {
    document.getElementById("chat-title").textContent = "会话 #" + t.id + " · " + t.reason_label;
    const tag = document.getElementById("chat-platform");
    tag.textContent = t.platform_label; tag.className = "tag " + t.platform;
    document.getElementById("status").textContent = t.status_label + (t.agent ? " · " + t.agent : "");
    // Only what the agent can do now: claim an open chat; the holder releases, transfers, closes.
    document.getElementById("claim").hidden = t.status !== "open";
    for (const id of ["release", "reveal", "close-box"]) document.getElementById(id).hidden = !t.mine;
    const mayTransfer = t.status !== "closed" && (t.mine || supervisor);
    for (const id of ["transfer", "transfer-to", "transfer-note"]) document.getElementById(id).hidden = !mayTransfer;
    if (supervisor) {  // a supervisor may give any active chat to anyone, the open ones too
      for (const id of ["assign", "transfer-to"]) document.getElementById(id).hidden = t.status === "closed";
      document.getElementById("transfer").hidden = !(t.status === "claimed");
    }
    document.getElementById("chat-countdown").replaceChildren(countdownNode(t.countdown));
    document.getElementById("chat-meta").textContent = "优先级 " + t.priority_label + " · 会话 " + t.conversation_id
      + (t.order_id ? " · 订单 " + t.order_id : "") + " · 等待 " + minutes(t.waiting_seconds);
    const list = document.getElementById("transcript");
    list.replaceChildren();
    for (const line of t.transcript) {
      const item = el("li", null, "msg " + line.sender + (line.recalled ? " recalled" : ""));
      item.dataset.key = line.key || "";
      const who = el("span", line.sender_label + (line.sender === "agent" && line.agent ? " " + line.agent : ""), "who");
      const text = el("span", null, "text");
      const image = /^\[图片:([a-z]{32})\]$/.exec(line.text || "");
      if (image) {  // an image in the chat (buyer's or agent's), served to logged-in agents only
        const img = el("img", null, "chat-image");
        img.alt = "图片";
        img.src = "/api/media/" + image[1];
        text.append(img);
      } else {
        text.textContent = line.text;
      }
      if (line.recalled) text.append(el("span", "（已撤回）", "muted"));
      if (line.wait_label) text.append(el("span", line.wait_label, "wait-state " + line.wait_state));
      text.append(el("span", clock(line.ts), "ts"));
      // 消息撤回: one's own reply, within the channel's two minutes.
      if (t.mine && line.sender === "agent" && line.agent === me && !line.recalled
          && Date.now() / 1000 - line.ts < t.recall_seconds) {
        const undo = el("button", "撤回", "link recall");
        undo.addEventListener("click", () => act("recall", { source_key: line.key }));
        text.append(" ", undo);
      }
      item.append(who, text);
      list.append(item);
    }
    list.scrollTop = list.scrollHeight;
    renderDetails(document.getElementById("product"), t.product);
    renderDetails(document.getElementById("order"), t.order);
    const skus = document.querySelector("#skus tbody");
    skus.replaceChildren(...(t.skus || []).map((s) => {
      const row = el("tr");
      row.append(el("td", s["颜色"]), el("td", s["尺码"]), el("td", s["库存"] > 0 ? "库存 " + s["库存"] : "缺货" + (s["补货"] ? "（" + s["补货"] + " 补货）" : "")));
      return row;
    }));
    const tracking = document.getElementById("tracking");
    tracking.replaceChildren(...((t.order && t.order["物流"]) || []).map((e) => el("li", e["时间"] + " " + e["内容"])));
    const tasks = document.getElementById("tasks");
    tasks.replaceChildren(...(t.tasks || []).map((task) => {
      const item = el("li", task.kind_label + "：" + task.summary);
      const done = el("button", "完成", "secondary");
      done.dataset.taskId = task.id;
      done.addEventListener("click", async () => {
        const r = await api("POST", "/api/tasks/" + task.id + "/done", {});
        if (r.ok) reload(t.id); else showNotice(r.data.message);
      });
      item.append(" ", done);
      return item;
    }));
    if (!t.tasks || !t.tasks.length) tasks.append(el("li", "无", "muted"));
    // Order actions: the holder of a chat with an order; what the order's state forbids is disabled.
    const actions = document.getElementById("order-actions");
    actions.hidden = !(t.mine && t.order);
    for (const option of document.querySelectorAll("#oa-action option")) option.disabled = !(t.order_actions || {})[option.value];
    document.getElementById("send-product-card").hidden = !(t.mine && t.product);
    document.getElementById("send-order-card").hidden = !(t.mine && t.order);
    document.getElementById("image-button").hidden = !t.mine;
    loadProfile(t.id);
  }

  // Rich messages: an image (its bytes; the server checks type and size) and product/order cards.
  const richStatus = document.getElementById("rich-status");
  async function sentRich(response, what) {
    let data = {};
    try { data = await response.json(); } catch (e) { data = { message: "HTTP " + response.status }; }
    richStatus.textContent = response.ok ? what + "已发送" : (data.message || what + "发送失败");
    if (response.ok) reload(active);
  }
  const picker = document.getElementById("image-file");
  document.getElementById("image-button").addEventListener("click", () => picker.click());
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    picker.value = "";
    if (!file || active === null) return;
    richStatus.textContent = "发送中…";
    const response = await fetch("/api/tickets/" + active + "/image", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": CSRF, "Content-Type": "application/octet-stream" }, body: file });
    await sentRich(response, "图片");
  });
  for (const [id, kind, what] of [["send-product-card", "product", "商品卡片"], ["send-order-card", "order", "订单卡片"]]) {
    document.getElementById(id).addEventListener("click", async () => {
      if (active === null) return;
      richStatus.textContent = "发送中…";
      const response = await fetch("/api/tickets/" + active + "/card", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": CSRF, "Content-Type": "application/json" }, body: JSON.stringify({ kind }) });
      await sentRich(response, what);
    });
  }

  document.getElementById("oa-submit").addEventListener("click", async () => {
    const action = document.getElementById("oa-action").value;
    const text = document.getElementById("oa-text").value;
    const body = { action, address: text, remark: text, reason: text,
                   color: document.getElementById("oa-color").value.trim(), size: document.getElementById("oa-size").value.trim() };
    const { ok, data } = await api("POST", "/api/tickets/" + active + "/order-actions", body);
    document.getElementById("oa-status").textContent = ok ? "已提交任务 #" + data.task.id + "：" + data.task.summary : (data.message || "提交失败");
    if (ok) {
      for (const id of ["oa-text", "oa-color", "oa-size"]) document.getElementById(id).value = "";
      tabs.get(active).detail = data.ticket;
      renderChat(data.ticket);
    }
  });

  // 客户资料: tags and notes per shop, past orders and chats of this buyer.
  // The tag box is refilled from the saved tags, except while the agent is editing it: every new
  // message re-renders the chat and reloads the profile, and must not wipe what is being typed.
  const tagInput = document.getElementById("tag-input");
  let tagEdited = false, profileTicket = null;
  tagInput.addEventListener("input", () => { tagEdited = true; });
  function renderProfile(p, id) {
    if (id !== profileTicket) { profileTicket = id; tagEdited = false; }
    document.getElementById("profile-tags").replaceChildren(...p.tags.map((tag) => el("span", tag, "tag-chip")));
    if (!tagEdited) tagInput.value = p.tags.join("，");
    const notes = document.getElementById("profile-notes");
    notes.replaceChildren(...p.notes.map((n) => el("li", n.text + " —— " + n.agent + " " + clock(n.ts))));
    if (!p.notes.length) notes.append(el("li", "无备注", "muted"));
    const orders = document.getElementById("profile-orders");
    orders.replaceChildren(...p.orders.map((o) => el("li", [o["订单号"], o["商品"], o["规格"], o["金额"], o["状态"]].filter(Boolean).join(" · "))));
    if (!p.orders.length) orders.append(el("li", "无", "muted"));
    const past = document.getElementById("profile-tickets");
    past.replaceChildren(...p.tickets.map((x) => el("li", "#" + x.id + " " + clock(x.created_at) + " " + x.reason_label + " · " + (x.outcome_label || x.status_label) + (x.agent ? " · " + x.agent : ""))));
    if (!p.tickets.length) past.append(el("li", "无", "muted"));
  }
  // A profile answer older than one already shown is dropped: a slow load finishing after 「保存标签」
  // must not put the old tags back.
  let profileAsked = 0, profileShown = 0;
  function showProfile(asked, data, id) {
    if (asked < profileShown) return;
    profileShown = asked;
    renderProfile(data, id);
  }
  async function loadProfile(id) {
    const asked = ++profileAsked;
    const { ok, data } = await api("GET", "/api/tickets/" + id + "/profile");
    if (ok && id === active) showProfile(asked, data, id);
  }
  document.getElementById("tag-save").addEventListener("click", async () => {
    const tags = tagInput.value.split(/[,，、\s]+/).filter(Boolean);
    const asked = ++profileAsked, id = active;
    const { ok, data } = await api("POST", "/api/tickets/" + id + "/profile/tags", { tags });
    if (ok) { tagEdited = false; showProfile(asked, data, id); } else showNotice(data.message);
  });
  document.getElementById("note-add").addEventListener("click", async () => {
    const input = document.getElementById("note-input");
    const asked = ++profileAsked, id = active;
    const { ok, data } = await api("POST", "/api/tickets/" + id + "/profile/notes", { text: input.value });
    if (ok) { input.value = ""; showProfile(asked, data, id); } else showNotice(data.message);
  });

  async function reload(id) {
    const tab = tabs.get(id);
    if (!tab || tab.detail.revealed) return;
    const { ok, data } = await api("GET", "/api/tickets/" + id);
    if (!ok) return;
    tab.detail = data;
    if (id === active) renderChat(data);
  }

  async function openChat(id) {
    id = Number(id);
    if (active !== null && tabs.has(active)) tabs.get(active).draft = reply.value;
    if (!tabs.has(id)) {
      const { ok, data } = await api("GET", "/api/tickets/" + id);
      if (!ok) { showNotice(data.message || "无法打开会话"); return; }
      tabs.set(id, { detail: data, draft: "" });
    }
    active = id;
    reply.value = tabs.get(id).draft || "";
    document.getElementById("preview").replaceChildren();
    document.getElementById("violations").replaceChildren();
    document.getElementById("assist-box").hidden = true;
    document.getElementById("send-status").textContent = "";
    showNotice("");
    renderTabs();
    renderChat(tabs.get(id).detail);
    for (const li of document.querySelectorAll(".chatlist li")) li.classList.toggle("active", Number(li.dataset.ticketId) === id);
    if (reply.value) check();
  }

  async function act(path, body) {
    const { ok, data } = await api("POST", "/api/tickets/" + active + "/" + path, body || {});
    if (!ok) { showNotice(data.message || "操作失败"); return null; }
    showNotice("");
    tabs.get(active).detail = data;
    renderChat(data);
    refreshQueue();
    return data;
  }

  async function check() {
    const text = reply.value.trim();
    if (!text) {
      for (const id of ["preview", "violations"]) document.getElementById(id).replaceChildren();
      document.getElementById("send-status").textContent = "";
      document.getElementById("rewrite-box").hidden = true;
      lastCheck = null;
      return;
    }
    const { ok, data } = await api("POST", "/api/check", { ticket_id: active, text });
    if (ok && reply.value.trim() === text) { lastCheck = data; renderCheck(data, { preview: "preview", violations: "violations" }); }
  }

  // 快捷短语: search box, or "/code" typed in the reply box.
  const phraseList = document.getElementById("phrases");
  const phraseSearch = document.getElementById("phrase-search");
  async function searchPhrases(query) {
    const { ok, data } = await api("GET", "/api/phrases?q=" + encodeURIComponent(query) + (active ? "&ticket_id=" + active : ""));
    if (!ok) return;
    phraseList.replaceChildren(...data.phrases.map((p, index) => {
      const item = el("li", null, index === 0 ? "active" : "");
      item.dataset.code = p.code;
      item.append(el("code", "/" + p.code), el("span", p.scope_label, "badge"), el("b", " " + p.group + " · " + p.title + " "),
                  el("span", p.rendered, "muted"));
      item.addEventListener("click", () => insertPhrase(p.rendered));
      if (p.id !== null && (p.scope === "personal" || supervisor)) {
        const remove = el("button", "删除", "link delete");
        remove.addEventListener("click", async (event) => {
          event.stopPropagation();
          const r = await api("POST", "/api/phrases/" + p.id + "/delete", {});
          document.getElementById("phrase-status").textContent = r.ok ? "已删除 /" + p.code : r.data.message;
          searchPhrases(phraseSearch.value);
        });
        item.append(" ", remove);
      }
      return item;
    }));
    phraseList.hidden = data.phrases.length === 0;
  }
  document.getElementById("phrase-save").addEventListener("click", async () => {
    const body = { code: document.getElementById("phrase-code").value.trim(), title: document.getElementById("phrase-title").value,
                   text: document.getElementById("phrase-text").value, scope: document.getElementById("phrase-scope").value };
    const { ok, data } = await api("POST", "/api/phrases", body);
    document.getElementById("phrase-status").textContent = ok ? "已保存 /" + data.code + "（" + data.scope_label + "）" : data.message;
    if (ok) { for (const id of ["phrase-code", "phrase-title", "phrase-text"]) document.getElementById(id).value = ""; }
  });
  function insertPhrase(text) {
    reply.value = reply.value.replace(/(^|\s)\/[a-z0-9_]*$/, "$1") + text;
    phraseList.hidden = true;
    phraseSearch.value = "";
    reply.focus();
    check();
  }
  phraseSearch.addEventListener("input", () => searchPhrases(phraseSearch.value));
  phraseSearch.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = phraseList.querySelector("li");
      if (first) first.click();
    }
  });

  // "/code" then Enter inserts the first matching phrase (Shift+Enter still makes a new line).
  reply.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.isComposing) return;
    const slash = reply.value.match(/(?:^|\s)\/([a-z0-9_]+)$/);
    if (!slash) return;
    event.preventDefault();
    await searchPhrases(slash[1]);
    const first = phraseList.querySelector("li");
    if (first) first.click();
  });

  emojiPanel("reply", () => check());

  reply.addEventListener("input", () => {
    const slash = reply.value.match(/(?:^|\s)\/([a-z0-9_]*)$/);
    if (slash) searchPhrases(slash[1]); else phraseList.hidden = true;
    clearTimeout(timer); timer = setTimeout(check, 300);
  });

  async function send() {
    const text = reply.value.trim();
    if (!text || active === null) return;
    clearTimeout(timer);  // a check still waiting to run would clear 「已发送」 once the box is emptied
    const status = document.getElementById("send-status");
    status.textContent = "发送中…";  // the status is about this message, never a previous one
    const { ok, data } = await api("POST", "/api/tickets/" + active + "/reply", { text });
    if (!ok) {
      if (data.check) { lastCheck = data.check; renderCheck(data.check, { preview: "preview", violations: "violations" }); }
      status.textContent = "";
      showNotice("未发送：" + (data.message || "发送失败"));
      return;
    }
    showNotice("");
    reply.value = "";
    tabs.get(active).draft = "";
    document.getElementById("preview").replaceChildren();
    document.getElementById("violations").replaceChildren();
    status.textContent = "已发送";
    reload(active);
    refreshQueue();
  }

  document.getElementById("accept-rewrite").addEventListener("click", () => {
    if (lastCheck && lastCheck.rewritten) { reply.value = lastCheck.rewritten; check(); }
  });
  document.getElementById("send").addEventListener("click", send);
  document.getElementById("claim").addEventListener("click", () => act("claim"));
  document.getElementById("release").addEventListener("click", () => act("release"));
  document.getElementById("reveal").addEventListener("click", () => act("reveal"));
  document.getElementById("close").addEventListener("click", () => act("close", { outcome: document.getElementById("outcome").value }));
  document.getElementById("transfer").addEventListener("click", () => act("transfer", {
    to: document.getElementById("transfer-to").value, note: document.getElementById("transfer-note").value }));
  // 智能辅助: candidates from the pure engine, each with the shop facts it rests on; 插入 fills the box.
  document.getElementById("assist").addEventListener("click", async () => {
    const box = document.getElementById("assist-box");
    const status = document.getElementById("assist-text");
    const list = document.getElementById("assist-list");
    status.textContent = "正在生成…";
    list.replaceChildren();
    box.hidden = false;
    const { ok, data } = await api("POST", "/api/tickets/" + active + "/assist", {});
    if (!ok) { status.textContent = data.message || "暂时无法生成"; return; }
    status.textContent = data.candidates.length ? "候选回复（依据店铺数据，插入后可修改）：" : "没有可用的候选回复，请人工回复";
    list.replaceChildren(...data.candidates.map((c, index) => {
      const item = el("li", null, "candidate");
      item.dataset.index = index;
      item.append(el("div", "买家：" + c.question, "muted small"), el("div", c.text, "candidate-text"));
      const facts = el("ul", null, "facts small");
      facts.replaceChildren(...c.facts.map((f) => el("li", f)));
      const insert = el("button", "插入", "secondary insert");
      insert.addEventListener("click", () => { reply.value = c.text; reply.focus(); check(); });
      item.append(facts, insert);
      return item;
    }));
  });
  document.getElementById("platform-filter").addEventListener("change", refreshQueue);

  // 接待状态 and load: 在线 receives chats automatically, 忙碌 keeps its chats, 离开 hands them back.
  const statusBox = document.getElementById("my-status");
  function showAssignment(data) {
    statusBox.value = data.me.status;
    statusBox.dataset.status = data.me.status;
    document.getElementById("my-load").textContent = "接待中 " + data.me.load + "/" + data.me.max_chats;
  }
  async function refreshAssignment() {
    const { ok, data } = await api("GET", "/api/assignment");
    if (ok) showAssignment(data);
  }
  statusBox.addEventListener("change", async () => {
    const { ok, data } = await api("POST", "/api/assignment/status", { status: statusBox.value });
    if (ok) { showAssignment(data); refreshQueue(); } else showNotice(data.message);
  });
  if (supervisor) {
    document.getElementById("assign").addEventListener("click", async () => {
      const to = document.getElementById("transfer-to").value;
      const r = await api("POST", "/api/assignment/tickets/" + active, { to });
      if (!r.ok) { showNotice(r.data.message || "指派失败"); return; }
      showNotice("");
      reload(active);
      refreshQueue();
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey && event.key === "Enter") { event.preventDefault(); send(); }
    else if (event.ctrlKey && (event.key === "k" || event.key === "K")) { event.preventDefault(); phraseSearch.focus(); }
    else if (event.altKey && event.key === "ArrowDown" && order.length) {
      event.preventDefault();
      const next = order[(order.indexOf(active) + 1) % order.length];
      openChat(next);
    }
  });

  (async () => {
    const { ok, data } = await api("GET", "/api/agents");
    if (!ok) return;
    const select = document.getElementById("transfer-to");
    const others = data.agents.filter((a) => !a.disabled && a.name !== me);
    select.replaceChildren(...others.map((a) => {
      const option = el("option", a.name + "（" + a.role_label + "）");
      option.value = a.name;
      return option;
    }));
    if (!others.length) { const none = el("option", "（没有其他客服）"); none.value = ""; none.disabled = true; select.append(none); }
  })();

  // Live updates (Server-Sent Events); the browser reconnects by itself.
  const live = document.getElementById("live-state");
  const source = new EventSource("/api/events");
  source.onopen = () => { live.textContent = "实时连接正常"; refreshQueue(); };
  source.onerror = () => { live.textContent = "实时连接中断，正在重连…"; };
  source.addEventListener("ticket_new", (event) => {
    const data = JSON.parse(event.data);
    refreshQueue();
    alerts.ring("新的转人工会话 #" + data.ticket_id);
  });
  source.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    refreshQueue();
    if (tabs.has(data.ticket_id)) reload(data.ticket_id);
    alerts.ring("会话 #" + data.ticket_id + " 有新消息");
  });
  source.addEventListener("ticket_changed", (event) => {
    const data = JSON.parse(event.data);
    refreshQueue();
    refreshAssignment();
    if (tabs.has(data.ticket_id)) reload(data.ticket_id);
  });
  source.addEventListener("assignment", () => { refreshQueue(); refreshAssignment(); });
  setInterval(() => document.querySelectorAll(".countdown[data-deadline]").forEach(tick), 1000);
  refreshQueue();
  refreshAssignment();
  if (bench.dataset.openTicket) openChat(bench.dataset.openTicket);
}
