// History search, task list and agent management (uses api/el/clock from console.js).
"use strict";

function kefuHistory() {
  const form = document.getElementById("search");
  const body = document.querySelector("#results tbody");
  const error = document.getElementById("search-error");
  async function run() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    const { ok, data } = await api("GET", "/api/search?" + params.toString());
    error.hidden = ok;
    if (!ok) { error.textContent = data.message; return; }
    body.replaceChildren(...data.tickets.map((t) => {
      const row = el("tr");
      row.dataset.ticketId = t.id;
      row.append(el("td", "#" + t.id), el("td", clock(t.created_at)), el("td", t.platform_label), el("td", t.reason_label),
                 el("td", t.status_label + (t.outcome_label ? " · " + t.outcome_label : "")), el("td", t.agent || "—"),
                 el("td", t.preview));
      const cell = el("td");
      const view = el("button", "查看", "secondary");
      view.addEventListener("click", () => show(t.id));
      cell.append(view);
      row.append(cell);
      return row;
    }));
    if (!data.tickets.length) { const row = el("tr"); row.append(el("td", "没有找到会话", "muted")); body.append(row); }
  }
  async function show(id) {
    const { ok, data } = await api("GET", "/api/tickets/" + id);
    if (!ok) return;
    document.getElementById("history-chat").hidden = false;
    document.getElementById("history-title").textContent = "会话 #" + data.id + " · " + data.platform_label + " · " + data.reason_label;
    const list = document.getElementById("history-transcript");
    list.replaceChildren(...data.transcript.map((line) => {
      const item = el("li", null, "msg " + line.sender);
      const text = el("span", line.text, "text");
      text.append(el("span", clock(line.ts), "ts"));
      item.append(el("span", line.sender_label + (line.agent ? " " + line.agent : ""), "who"), text);
      return item;
    }));
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  run();
}

function kefuTasks() {
  const body = document.querySelector("#task-list tbody");
  const status = document.getElementById("task-status");
  async function load() {
    const { ok, data } = await api("GET", "/api/tasks?status=" + status.value);
    if (!ok) return;
    body.replaceChildren(...data.tasks.map((t) => {
      const row = el("tr");
      row.dataset.taskId = t.id;
      row.append(el("td", "#" + t.id), el("td", t.kind_label), el("td", t.summary), el("td", t.platform), el("td", t.order_id || "—"),
                 el("td", clock(t.created_at)), el("td", t.status === "open" ? "待办" : "已完成 · " + (t.done_by || "")));
      const cell = el("td");
      if (t.status === "open") {
        const done = el("button", "标记完成", "secondary");
        done.addEventListener("click", async () => { const r = await api("POST", "/api/tasks/" + t.id + "/done", {}); if (r.ok) load(); });
        cell.append(done);
      }
      row.append(cell);
      return row;
    }));
    document.getElementById("tasks-empty").hidden = data.tasks.length > 0;
  }
  async function loadProofs() {
    const { ok, data } = await api("GET", "/api/proof-attempts?outcome=locked");
    if (!ok) return;
    const rows = document.querySelector("#proof-list tbody");
    rows.replaceChildren(...data.attempts.map((a) => {
      const row = el("tr");
      row.append(el("td", clock(a.at)), el("td", a.order_id), el("td", a.conversation_id), el("td", String(a.candidates)));
      return row;
    }));
    document.getElementById("proofs-empty").hidden = data.attempts.length > 0;
  }
  status.addEventListener("change", load);
  load();
  loadProofs();
}

function kefuAgents() {
  const body = document.querySelector("#agent-list tbody");
  const notice = document.getElementById("agent-notice");
  function say(text) { notice.textContent = text; notice.hidden = !text; }
  async function load() {
    const { ok, data } = await api("GET", "/api/agents");
    if (!ok) return;
    body.replaceChildren(...data.agents.map((a) => {
      const row = el("tr");
      row.dataset.agent = a.name;
      row.append(el("td", a.name), el("td", a.role_label), el("td", a.disabled ? "已停用" : "正常"),
                 el("td", a.last_login ? clock(a.last_login) : "从未"));
      const cell = el("td");
      if (a.name !== data.me) {
        const toggle = el("button", a.disabled ? "启用" : "停用", "secondary");
        toggle.className += " toggle";
        toggle.addEventListener("click", () => post(a.name, a.disabled ? "enable" : "disable"));
        const reset = el("button", "重置密码", "secondary");
        reset.className += " reset";
        reset.addEventListener("click", () => post(a.name, "reset"));
        const role = el("button", a.role === "supervisor" ? "设为客服" : "设为主管", "secondary");
        role.addEventListener("click", () => post(a.name, "role", { role: a.role === "supervisor" ? "agent" : "supervisor" }));
        cell.append(toggle, " ", reset, " ", role);
      }
      row.append(cell);
      return row;
    }));
  }
  async function post(name, action, body) {
    const { ok, data } = await api("POST", "/api/agents/" + encodeURIComponent(name) + "/" + action, body || {});
    say(ok ? (data.password ? name + " 的新密码（只显示一次）：" + data.password : "已更新 " + name) : data.message);
    load();
  }
  // 接待与分配: status, limit and skill groups of every agent; the skill groups themselves.
  const assignBody = document.querySelector("#assignment-list tbody");
  const assignNotice = document.getElementById("assignment-notice");
  const list = (text) => text.split(/[,，、\s]+/).map((x) => x.trim()).filter(Boolean);
  function sayAssign(text) { assignNotice.textContent = text; assignNotice.hidden = !text; }
  async function loadAssignment() {
    const { ok, data } = await api("GET", "/api/assignment");
    if (!ok) return;
    assignBody.replaceChildren(...data.agents.map((a) => {
      const row = el("tr");
      row.dataset.agent = a.agent;
      const status = el("select");
      status.className = "status";
      for (const [value, label] of Object.entries(data.statuses)) {
        const option = el("option", label); option.value = value; option.selected = value === a.status; status.append(option);
      }
      const limit = el("input"); limit.type = "number"; limit.min = "0"; limit.max = "50"; limit.value = a.max_chats; limit.className = "limit";
      const groups = el("input"); groups.value = a.groups.join(","); groups.className = "groups";
      const save = el("button", "保存", "secondary save");
      save.addEventListener("click", async () => {
        const first = await api("POST", "/api/assignment/agents/" + encodeURIComponent(a.agent),
                                { max_chats: Number(limit.value), groups: list(groups.value) });
        // The status only when the supervisor changed it here (the agent may have changed it since the page loaded).
        const changed = status.value !== a.status;
        const second = first.ok && changed ? await api("POST", "/api/assignment/status", { agent: a.agent, status: status.value }) : first;
        sayAssign(second.ok ? "已保存 " + a.agent : second.data.message);
        loadAssignment();
      });
      const cells = [el("td", a.agent), el("td"), el("td", String(a.load)), el("td"), el("td"), el("td")];
      cells[1].append(status); cells[3].append(limit); cells[4].append(groups); cells[5].append(save);
      row.append(...cells);
      return row;
    }));
    document.getElementById("group-list").replaceChildren(...data.groups.map((g) => el("li",
      g.name + "：平台 " + (g.platforms.join("、") || "全部") + "；店铺 " + (g.shops.join("、") || "全部") + "；话题 " + (g.topics.join("、") || "全部"))));
  }
  document.getElementById("group-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const { ok, data } = await api("POST", "/api/assignment/groups", { name: form.get("name"),
      platforms: list(form.get("platforms")), shops: list(form.get("shops")), topics: list(form.get("topics")) });
    sayAssign(ok ? "已保存技能组 " + form.get("name") : data.message);
    if (ok) event.target.reset();
    loadAssignment();
  });
  loadAssignment();

  document.getElementById("add-agent").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const { ok, data } = await api("POST", "/api/agents", { name: form.get("name"), role: form.get("role") });
    say(ok ? "已添加 " + data.name + "，初始密码（只显示一次）：" + data.password : data.message);
    if (ok) event.target.reset();
    load();
  });
  load();
}
