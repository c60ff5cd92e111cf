// Buyer web chat: forwards messages to Rasa through the web app and polls for
// everything the bot (or a human agent) sent. Text is written with textContent only.
"use strict";


(function () {
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const list = document.getElementById("messages");
  const input = document.getElementById("text");
  const error = document.getElementById("chat-error");
  let after = 0;
  let busy = false;

  function show(message) {
    const item = document.createElement("li");
    item.className = "msg " + message.sender;
    item.dataset.id = String(message.id);
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = message.sender === "buyer" ? "我" : "客服";
    const text = document.createElement("span");
    text.className = "text";
    const payload = message.payload || {};
    if (payload.image && payload.image.startsWith("/chat/media/")) {
      const image = document.createElement("img");
      image.className = "chat-image";
      image.alt = "图片";
      image.src = payload.image;
      text.append(image);
    } else if (payload.card) {
      text.append(drawCard(payload.card));
    } else {
      text.textContent = message.text;
    }
    item.append(who, text);
    list.append(item);
    list.scrollTop = list.scrollHeight;
  }

  // Product and order cards an agent sends: data written with textContent only.
  function drawCard(card) {
    const box = document.createElement("div");
    box.className = "rich-card " + (card.type === "order_card" ? "order-card" : "product-card");
    const title = document.createElement("strong");
    const rows = [];
    if (card.type === "order_card") {
      title.textContent = "订单 " + card.order_id + " · " + card.status;
      rows.push(card.product + " " + card.spec + " " + card.amount);
      if (card.courier || card.tracking_number) rows.push("快递：" + [card.courier, card.tracking_number].filter(Boolean).join(" "));
      if (card.latest) rows.push("最新物流：" + card.latest);
      if (card.receiver) rows.push("收货人：" + [card.receiver, card.phone, card.address].filter(Boolean).join(" "));
    } else {
      title.textContent = card.name + " " + card.price;
      for (const sku of card.skus || []) rows.push(sku.spec + "  " + sku.price + "  " + sku.stock_label);
    }
    box.append(title);
    for (const row of rows) {
      const line = document.createElement("div");
      line.className = "card-row";
      line.textContent = row;
      box.append(line);
    }
    return box;
  }

  // Images: the page sends the file's bytes; the server checks type and size.
  const picker = document.getElementById("image-file");
  document.getElementById("image-button").addEventListener("click", () => picker.click());
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    picker.value = "";
    if (!file) return;
    const response = await fetch("/chat/upload", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": CSRF }, body: file,
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* empty */ }
    error.hidden = response.ok;
    error.textContent = response.ok ? "" : (data.message || "图片发送失败");
    poll();
  });

  // 满意度: five choices under the invitation, once per closed chat.
  const rating = document.getElementById("rating");
  function showRating(pending) {
    if (!pending) { rating.hidden = true; rating.dataset.ticket = ""; return; }
    if (rating.dataset.ticket === String(pending.ticket_id)) return;
    rating.dataset.ticket = String(pending.ticket_id);
    const choices = document.getElementById("rating-choices");
    choices.replaceChildren(...[5, 4, 3, 2, 1].map((score) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary star";
      button.dataset.score = String(score);
      button.textContent = "★".repeat(score) + " " + pending.labels[score];
      button.addEventListener("click", () => rate(pending.ticket_id, score));
      return button;
    }));
    rating.hidden = false;
  }
  async function rate(ticketId, score) {
    const response = await fetch("/chat/rate", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify({ ticket_id: ticketId, score }),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* empty */ }
    error.hidden = response.ok;
    error.textContent = response.ok ? "" : (data.message || "评价失败");
    rating.hidden = true;
    poll();
  }

  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch("/chat/messages?after=" + after, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        for (const message of data.messages) {
          after = Math.max(after, message.id);
          if (message.text || message.payload) show(message);
        }
        // 消息撤回: a recalled message disappears from the page, leaving a note in its place.
        for (const id of data.recalled || []) {
          const item = list.querySelector("li[data-id='" + id + "']");
          if (item && !item.classList.contains("recalled")) {
            item.classList.add("recalled");
            item.querySelector(".text").replaceChildren("客服撤回了一条消息");
          }
        }
        showRating(data.rating);
      }
    } catch (e) { /* offline for a moment: the next poll catches up */ }
    busy = false;
  }

  document.getElementById("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    const response = await fetch("/chat/send", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify({
        text,
        platform: document.getElementById("platform").value,
        product_id: document.getElementById("product").value || null,
      }),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* empty */ }
    error.hidden = response.ok;
    error.textContent = response.ok ? "" : (data.message || "发送失败");
    poll();
  });

  emojiPanel("text");
  poll();
  setInterval(poll, 1000);
})();
