// 表情 for both pages (buyer web chat and agent workbench): one panel that inserts at the cursor.
"use strict";

// Emoji (表情): a small panel that inserts at the cursor of the message box.
function emojiPanel(inputId, after) {
  const panel = document.getElementById("emoji");
  const input = document.getElementById(inputId);
  document.getElementById("emoji-toggle").addEventListener("click", () => { panel.hidden = !panel.hidden; });
  for (const button of panel.querySelectorAll(".emoji-btn")) {
    button.addEventListener("click", () => {
      const at = input.selectionStart ?? input.value.length;
      input.value = input.value.slice(0, at) + button.dataset.emoji + input.value.slice(input.selectionEnd ?? at);
      input.focus();
      if (after) after();
    });
  }
}
