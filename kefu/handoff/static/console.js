// Agent console. Data from the server is only ever written with textContent
// (never as HTML markup), so buyer text cannot inject markup into the agent's page.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;

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

// --- queue ------------------------------------------------------------------------------------
function kefuQueue() {
  const body = document.querySelector("#queue tbody");
  async function refresh() {
    const { ok, data } = await api("GET", "/api/tickets");
    if (!ok) return;
    body.replaceChildren();
    for (const t of data.tickets) {
      const row = document.createElement("tr");
      row.className = "p" + t.priority;
      row.append(el("td", t.id), el("td", t.priority), el("td", t.reason_label + (t.detail ? " · " + t.detail : "")),
                 el("td", t.platform), el("td", minutes(t.waiting_seconds)),
                 el("td", t.status === "claimed" ? "处理中 · " + t.agent : "待认领"));
      const cell = document.createElement("td");
      const link = el("a", "打开");
      link.href = "/console/tickets/" + encodeURIComponent(t.id);
      cell.append(link);
      row.append(cell);
      body.append(row);
    }
    document.getElementById("queue-count").textContent = "(" + data.tickets.length + ")";
    document.getElementById("queue-empty").hidden = data.tickets.length > 0;
  }
  refresh();
  setInterval(refresh, 3000);
}

// --- one ticket -------------------------------------------------------------------------------
function kefuTicket() {
  const root = document.getElementById("ticket");
  const id = root.dataset.ticketId;
  const reply = document.getElementById("reply");
  const notice = document.getElementById("notice");
  let revealed = false;
  let lastCheck = null;
  let timer = null;

  function showNotice(text) { notice.textContent = text || ""; notice.hidden = !text; }

  function renderDetails(target, details) {
    const dl = document.getElementById(target);
    dl.replaceChildren();
    if (!details) { dl.append(el("dd", "—", "muted")); return; }
    for (const [key, value] of Object.entries(details)) {
      if (value === null || value === undefined || typeof value === "object") continue;
      dl.append(el("dt", key), el("dd", value));
    }
  }

  function render(t) {
    document.getElementById("status").textContent = t.status + (t.agent ? " · " + t.agent : "");
    const list = document.getElementById("transcript");
    list.replaceChildren();
    for (const line of t.transcript) {
      const item = el("li", null, "msg " + line.sender);
      item.append(el("span", { buyer: "买家", bot: "机器人", agent: "客服 " + (line.agent || ""), system: "系统" }[line.sender] || line.sender, "who"));
      item.append(el("span", line.text, "text"));
      list.append(item);
    }
    renderDetails("product", t.product);
    renderDetails("order", t.order);
  }

  async function load() {
    const { ok, data } = await api("GET", "/api/tickets/" + id);
    if (ok && !revealed) render(data);
  }

  async function act(path, body) {
    const { ok, data } = await api("POST", "/api/tickets/" + id + "/" + path, body || {});
    if (!ok) { showNotice(data.message || "操作失败"); return null; }
    showNotice("");
    return data;
  }

  // Violations highlighted in place: the reply text split into text nodes and <mark>s.
  function renderCheck(check) {
    lastCheck = check;
    const preview = document.getElementById("preview");
    const list = document.getElementById("violations");
    preview.replaceChildren();
    list.replaceChildren();
    const text = check.text;
    let pos = 0;
    const spans = check.violations.slice().sort((a, b) => a.start - b.start);
    for (const v of spans) {
      if (v.start < pos) continue;
      preview.append(document.createTextNode(text.slice(pos, v.start)));
      const mark = el("mark", text.slice(v.start, v.end), "violation " + v.action);
      mark.title = v.category;
      mark.dataset.category = v.category;
      preview.append(mark);
      pos = v.end;
    }
    preview.append(document.createTextNode(text.slice(pos)));
    preview.dataset.verdict = check.verdict;
    for (const v of spans) list.append(el("div", v.category + "：「" + v.term + "」（" + v.action + "）", "violation-item"));
    const box = document.getElementById("rewrite-box");
    box.hidden = check.verdict !== "rewritten";
    document.getElementById("rewrite-text").textContent = check.rewritten || "";
    const status = document.getElementById("send-status");
    status.textContent = { pass: "可以发送", rewritten: "需采用改写后发送", blocked: "违反平台规则，不能发送" }[check.verdict] || "";
  }

  async function check() {
    const text = reply.value.trim();
    if (!text) { document.getElementById("preview").replaceChildren(); lastCheck = null; return; }
    const { ok, data } = await api("POST", "/api/check", { ticket_id: Number(id), text });
    if (ok && reply.value.trim() === text) renderCheck(data);
  }

  reply.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 300); });
  document.getElementById("accept-rewrite").addEventListener("click", () => {
    if (lastCheck && lastCheck.rewritten) { reply.value = lastCheck.rewritten; check(); }
  });
  document.getElementById("send").addEventListener("click", async () => {
    const text = reply.value.trim();
    if (!text) return;
    const { ok, data } = await api("POST", "/api/tickets/" + id + "/reply", { text });
    if (!ok) {
      if (data.check) renderCheck(data.check);
      showNotice("未发送：" + (data.message || "发送失败"));
      return;
    }
    showNotice("");
    reply.value = "";
    document.getElementById("preview").replaceChildren();
    document.getElementById("violations").replaceChildren();
    document.getElementById("send-status").textContent = "已发送";
    load();
  });
  document.getElementById("claim").addEventListener("click", async () => { const t = await act("claim"); if (t) render(t); });
  document.getElementById("release").addEventListener("click", async () => { const t = await act("release"); if (t) render(t); });
  document.getElementById("reveal").addEventListener("click", async () => {
    const t = await act("reveal");
    if (t) { revealed = true; render(t); }
  });
  document.getElementById("close").addEventListener("click", async () => {
    const t = await act("close", { outcome: document.getElementById("outcome").value });
    if (t) render(t);
  });
  load();
  setInterval(load, 3000);
}
