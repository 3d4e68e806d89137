// The chat page's behaviour beyond Chainlit's options (config.toml `custom_js`), all on the page's own DOM:
// 1. the welcome screen says who the assistant is, what it knows and how to use it (/brand/welcome.json);
// 2. a source panel opens only when a citation is clicked: Chainlit 2.12 opens it by itself whenever a
//    message brings side elements (MessagesContainer's effect on the element list) and keeps it over
//    later answers, covering the whole chat on a phone;
// 3. a source's whole section is folded under its passage, opened with a click;
//    a new question closes the source panel of an earlier answer.
(function () {
  "use strict";
  var facts = null; // the welcome screen's text, from the server
  var setName = ""; // the document set this chat asks (told by the server as the chat starts), "" = the first
  var clickedAt = 0; // when a citation or source link was last clicked
  var panelSeen = ""; // the open panel's title and element count, as last checked
  var questionsSeen = 0; // the user's messages on the page, as last counted

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text; // text only: nothing from the corpus is parsed as HTML
    return node;
  }

  function showWelcome() {
    var screen = document.getElementById("welcome-screen");
    if (!screen || !facts || screen.querySelector("#bot-welcome")) return;
    var box = el("div");
    box.id = "bot-welcome";
    box.appendChild(el("h1", "", facts.name));
    if (facts.welcome) box.appendChild(el("p", "bot-welcome-line", facts.welcome));
    if (facts.documents.length) {
      var names = facts.documents.map(function (d) {
        var aside = d.file || d.publisher;  // a file's name tells apart documents of one title
        return d.quoted + (aside ? " (" + aside + ")" : "");  // in quotes, its own made single (bot.text.in_quotes)
      });
      var more = facts.more ? " and " + facts.more + " more" : "";
      box.appendChild(el("p", "bot-knows", "What I know: " + names.join(" · ") + more + "."));
    }
    box.appendChild(el("p", "bot-how", facts.how));
    var logo = screen.querySelector("img.logo");
    if (logo && logo.parentNode === screen) logo.insertAdjacentElement("afterend", box);
    else screen.insertBefore(box, screen.firstChild);
  }

  function closePanel(content) {
    var back = document.querySelector("#side-view-title button"); // the wide layout's back arrow
    if (back) return back.click();
    var sheet = content.closest("[role=dialog]"); // a phone: Chainlit's sheet and its Close button
    var buttons = sheet ? sheet.querySelectorAll("button") : [];
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].textContent.trim() === "Close") return buttons[i].click();
    }
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
  }

  function guardPanel() {
    var content = document.getElementById("side-view-content");
    // A new question closes the source of an earlier answer: a decline brings no source to replace it with.
    var asked = document.querySelectorAll('[data-step-type="user_message"]').length;
    var newQuestion = asked > questionsSeen;
    questionsSeen = asked;
    if (!content) {
      panelSeen = "";
      return;
    }
    if (newQuestion) return closePanel(content);
    var title = document.getElementById("side-view-title");
    var seen = (title ? title.textContent : "") + "|" + content.childElementCount;
    if (seen === panelSeen) return;
    panelSeen = seen;
    // A click shows one source; Chainlit's own opening shows every source of the chat at once.
    if (content.childElementCount > 1 || Date.now() - clickedAt > 1000) closePanel(content);
  }

  function foldSections() {
    var headings = document.querySelectorAll(".side-text h5:not([data-bot-fold])");
    for (var i = 0; i < headings.length; i++) {
      var heading = headings[i];
      heading.setAttribute("data-bot-fold", "1");
      if (heading.textContent.indexOf("The whole section") !== 0) continue;
      heading.className += " bot-fold-toggle"; // folded by bot.css: everything after it is hidden
      heading.setAttribute("role", "button");
      heading.setAttribute("tabindex", "0");
      heading.setAttribute("aria-expanded", "false");
      heading.addEventListener("click", function (e) {
        var h = e.currentTarget;
        h.setAttribute("aria-expanded", String(h.getAttribute("aria-expanded") !== "true"));
      });
      heading.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          e.currentTarget.click();
        }
      });
    }
  }

  var fetchedAt = 0;

  function loadFacts() {
    // Again after a sign-in (the page does not reload) or a failure, at most every 3 seconds.
    if (facts || Date.now() - fetchedAt < 3000 || !document.getElementById("welcome-screen")) return;
    fetchedAt = Date.now();
    fetch("/brand/welcome.json" + (setName ? "?set=" + encodeURIComponent(setName) : ""), { credentials: "same-origin" })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (f) {
        facts = f;
        if (f) update();
      })
      .catch(function () {});
  }

  function update() {
    loadFacts();
    showWelcome();
    guardPanel();
    foldSections();
  }

  // Escape closes a source panel (a new user pressed it in vain). Only a person's key: closePanel's own last resort
  // is a synthetic Escape.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !e.isTrusted) return;
    var content = document.getElementById("side-view-content");
    if (content) closePanel(content);
  });

  // Another document set picked on the welcome screen: its own name, welcome line and documents.
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.source !== window || !d || typeof d.botSet !== "string" || d.botSet === setName) return;
    setName = d.botSet;
    facts = null;
    fetchedAt = 0;
    var shown = document.getElementById("bot-welcome");
    if (shown) shown.remove();
    update();
  });

  document.addEventListener(
    "click",
    function (e) {
      if (e.target.closest && e.target.closest("a.element-link")) clickedAt = Date.now();
    },
    true
  );
  new MutationObserver(update).observe(document.documentElement, { childList: true, subtree: true });
  update();
})();

// 4. "Download chat": one button in the page header that downloads the whole conversation as Markdown from
//    /conversation/<id>/download; it adds nothing to the chat and works on a reopened one. The page names its
//    conversation in the URL (/thread/<id>, with a login); the server also names it, with the download key a
//    visitor without a login needs, in a window message as each chat starts or is reopened (bot/web/conversation.py).
(function () {
  "use strict";
  var LABEL = "Download this chat (Markdown)";
  var told = { thread: "", key: "" };

  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.source !== window || !d || typeof d.botThread !== "string") return;
    told = { thread: d.botThread, key: typeof d.botKey === "string" ? d.botKey : "" };
    place();
  });

  function currentThread() {
    var m = window.location.pathname.match(/\/thread\/([A-Za-z0-9-]+)/);
    return m ? m[1] : told.thread;
  }

  function fileName(response) {
    var m = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return m ? m[1] : "conversation.md";
  }

  function download(button) {
    var thread = currentThread();
    if (!thread) return;
    var url = "/conversation/" + encodeURIComponent(thread) + "/download";
    if (told.key && told.thread === thread) url += "?key=" + encodeURIComponent(told.key);
    button.disabled = true;
    fetch(url, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = fileName(r);
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(function () {
            URL.revokeObjectURL(link.href);
          }, 10000);
          button.title = LABEL;
        });
      })
      .catch(function (err) {
        button.title = "Could not download this chat (" + err.message + ")";
      })
      .then(function () {
        button.disabled = false;
      });
  }

  function makeButton() {
    var button = document.createElement("button");
    button.id = "bot-download";
    button.type = "button";
    button.title = LABEL;
    button.setAttribute("aria-label", LABEL);
    button.textContent = "⬇ Download chat";
    button.addEventListener("click", function () {
      download(button);
    });
    return button;
  }

  function place() {
    var header = document.getElementById("header");
    var right = header && header.lastElementChild;
    var button = document.getElementById("bot-download");
    if (right && (!button || button.parentNode !== right)) {
      if (button) button.remove();
      button = makeButton();
      right.insertBefore(button, right.firstChild);
    }
    // Shown once the chat has an answer to hand over.
    if (button) button.hidden = !(currentThread() && document.querySelector('[data-step-type="assistant_message"]'));
  }

  new MutationObserver(place).observe(document.documentElement, { childList: true, subtree: true });
  place();
})();

// 5. Copied text without the invisible word joiners (U+2060) the page's text carries: they keep e-mail addresses,
//    web addresses and citations from turning into links, but an address copied with one does not work when
//    pasted. Both ways of copying: a selection (the copy event), and the message's copy button (the clipboard API).
(function () {
  "use strict";
  var JOINER = "\u2060";
  function clean(text) {
    return String(text).split(JOINER).join("");
  }

  document.addEventListener("copy", function (e) {
    var text = String(window.getSelection() || "");
    if (text.indexOf(JOINER) < 0 || !e.clipboardData) return;
    e.clipboardData.setData("text/plain", clean(text));
    e.preventDefault();
  });

  var clipboard = navigator.clipboard;
  if (!clipboard) return;
  var writeText = clipboard.writeText && clipboard.writeText.bind(clipboard);
  if (writeText) {
    clipboard.writeText = function (text) {
      return writeText(clean(text));
    };
  }
  var write = clipboard.write && clipboard.write.bind(clipboard);
  if (write && window.ClipboardItem) {
    clipboard.write = function (items) {
      var cleaned = Array.prototype.map.call(items, function (item) {
        var blobs = {};
        item.types.forEach(function (type) {
          blobs[type] = item.getType(type).then(function (blob) {
            if (type !== "text/plain" && type !== "text/html") return blob;
            return blob.text().then(function (text) {
              return new Blob([clean(text)], { type: type });
            });
          });
        });
        return new ClipboardItem(blobs);
      });
      return write(cleaned);
    };
  }
})();

// 6. A file of a type the prompt does not take is named in words: Chainlit shows the drop zone's own message,
//    "File type must be one of application/pdf, .pdf, application/octet-stream, .pdf, ...", MIME types and all.
//    The accepted suffixes are read from that message itself, so the server's BOT_UPLOAD_TYPES stay the one list.
(function () {
  "use strict";
  var PREFIX = "File type must be ";

  function plain(message) {
    var seen = [];
    message
      .slice(PREFIX.length)
      .replace(/^one of /, "")
      .split(/,\s*/)
      .forEach(function (token) {
        var suffix = token.trim().toLowerCase();
        if (/^\.[a-z0-9]+$/.test(suffix) && seen.indexOf(suffix) < 0) seen.push(suffix);
      });
    return "That type of file cannot be added here." + (seen.length ? " Accepted: " + seen.join(", ") + "." : "");
  }

  function rewrite() {
    var toasts = document.querySelectorAll("[data-sonner-toast]");
    for (var i = 0; i < toasts.length; i++) {
      var walker = document.createTreeWalker(toasts[i], NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.nodeValue.indexOf(PREFIX) === 0) node.nodeValue = plain(node.nodeValue);
      }
    }
  }

  new MutationObserver(rewrite).observe(document.documentElement, { childList: true, subtree: true });
})();

// ---- White label (issue 25): a failed sign-in in plain words ----------------------------------------
// Chainlit's page shows a refused login as a toast of the HTTP status and the server's code,
// "Unauthorized: credentialssignin", and looks the same status up in translations for the form's own
// line. Its requests go through window.fetch when they are made, so the answer to a refused POST /login
// is handed on with the sentence as its status text and no code: the toast reads the sentence, and the
// form finds it under auth.login.errors in .chainlit/translations/en-US.json.
(function () {
  "use strict";
  var WRONG_LOGIN = "Wrong user name or password.";
  var fetchFirst = window.fetch;
  if (!fetchFirst) return;
  window.fetch = function (input, init) {
    var method = ((init && init.method) || (input && input.method) || "GET").toUpperCase();
    var url = typeof input === "string" ? input : (input && input.url) || String(input);
    var answer = fetchFirst.apply(this, arguments);
    if (method !== "POST" || !/\/login(\?|$)/.test(url.split("#")[0])) return answer;
    return answer.then(function (r) {
      if (r.status !== 401) return r;
      return new Response("{}", { status: 401, statusText: WRONG_LOGIN, headers: { "Content-Type": "application/json" } });
    });
  };
})();
// ---- end of white label -----------------------------------------------------------------------------

// ---- A question sent before the chat connects -----------------------------------------------------------
// Chainlit ignores Enter until its connection is up (about two seconds after a page load or "New chat"): the
// question stayed in the box and nothing said why (tester). While the welcome screen shows (no question sent
// yet in this chat), a question left in the box after Enter is sent as soon as the send button takes it. A
// retry stops once the box changes (sent, or edited), after 30 s, or when the welcome screen goes.
(function () {
  "use strict";
  var RETRY_MS = 300;
  var GIVE_UP_MS = 30000;

  function textOf(box) {
    return box ? (box.value !== undefined ? box.value : box.textContent) || "" : "";
  }

  document.addEventListener(
    "keydown",
    function (e) {
      var box = e.target;
      if (e.key !== "Enter" || e.shiftKey || e.isComposing || !box || box.id !== "chat-input") return;
      var text = textOf(box);
      if (!text.trim() || !document.getElementById("welcome-screen")) return;
      var started = Date.now();
      var timer = setInterval(function () {
        var now = document.getElementById("chat-input");
        var waiting = now && textOf(now) === text && document.getElementById("welcome-screen");
        if (!waiting || Date.now() - started > GIVE_UP_MS) return clearInterval(timer);
        var send = document.getElementById("chat-submit");
        if (send && !send.disabled) send.click();
      }, RETRY_MS);
    },
    true
  );
})();
// ---- end of a question sent before the chat connects ---------------------------------------------------

// ---- The page while the server gets ready -----------------------------------------------------------------------
// Chainlit draws nothing until the server sends the set's starters, which come from its index: for the seconds the
// model loads after a start (and the minute a first start spends building the index) the page was blank white. A
// line says what is happening until the page shows anything else.
(function () {
  "use strict";
  var SHOW_AFTER_MS = 1000; // a page that draws at once shows no line
  var CHECK_MS = 300;
  var TEXT = "Getting ready: loading the model and the document index…";

  function drawn() {
    var text = (document.body && document.body.innerText) || "";
    return text.replace(TEXT, "").trim().length > 0;
  }

  setTimeout(function () {
    if (!document.body || drawn()) return;
    var note = document.createElement("div");
    note.id = "bot-getting-ready";
    note.setAttribute("role", "status");
    note.textContent = TEXT;
    document.body.appendChild(note);
    var timer = setInterval(function () {
      if (drawn()) {
        clearInterval(timer);
        note.remove();
      }
    }, CHECK_MS);
  }, SHOW_AFTER_MS);
})();
// ---- end of the page while the server gets ready ----------------------------------------------------------------
