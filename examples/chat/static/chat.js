// The chat page. Plain JavaScript over the official socket.io-client (`io` global).
//
// URL parameters: ?transport=polling|websocket forces one transport; ?name=alice fills in the
// nickname.
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const EVERYONE = ""; // the channel key of messages to everyone
  const TYPING_IDLE_MS = 1500; // "stopped typing" after this long without a key
  const TYPING_EXPIRE_MS = 6000; // forget a typist we did not hear from

  const options = { autoConnect: false, reconnectionDelay: 500, reconnectionDelayMax: 2000 };
  const transport = params.get("transport");
  if (transport === "polling" || transport === "websocket") options.transports = [transport];
  const socket = io(options);

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  let me = null; // our nickname once chosen
  let loggedIn = false;
  let connectedOnce = false;
  let active = EVERYONE;
  const channels = new Map(); // key -> { log, item, unread }
  const pending = new Map(); // cid -> <li> of our own message until the server echoes it
  const typists = new Map(); // "room\u0000name" -> { name, room, timer }
  let typing = false; // whether we told the others we are typing
  let typingRoom = null; // and where (null: everyone)
  let typingTimer = null;

  // ----- connection state -------------------------------------------------------------------

  function setStatus(state, text) {
    const status = $("status");
    status.dataset.state = state;
    status.dataset.transport = socket.io.engine?.transport?.name ?? "";
    status.textContent = text;
  }

  function showConnected() {
    const name = socket.io.engine?.transport?.name ?? "?";
    setStatus("connected", `connected · ${name}`);
  }

  socket.on("connect", () => {
    showConnected();
    socket.io.engine.once("upgrade", showConnected);
    login();
  });

  socket.on("disconnect", (reason) => {
    loggedIn = false;
    typing = false;
    clearTimeout(typingTimer);
    for (const t of [...typists.values()]) clearTypist(t.name, t.room);
    if (reason === "io client disconnect") setStatus("offline", "not connected");
    else setStatus("disconnected", `disconnected (${reason}) · reconnecting…`);
  });

  socket.on("connect_error", () => {
    if (!socket.active) setStatus("offline", "connection refused");
  });

  socket.io.on("reconnect_attempt", (attempt) => {
    setStatus("reconnecting", `reconnecting… (attempt ${attempt})`);
  });

  // ----- login ------------------------------------------------------------------------------

  $("name").value = params.get("name") ?? "";

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("name").value.trim();
    if (!name) return;
    me = name;
    $("login-error").textContent = "";
    setStatus("connecting", "connecting…");
    socket.connect();
  });

  // Runs on every connect: after a reconnection the server has forgotten us (or restarted).
  function login() {
    const rooms = [...channels.keys()].filter((k) => k !== EVERYONE);
    socket.timeout(5000).emit("login", { name: me, rooms, returning: connectedOnce }, (err, res) => {
      if (err || !res.ok) {
        $("login-error").textContent = err ? "the server did not answer" : res.error;
        socket.disconnect();
        $("app").hidden = true;
        $("login").hidden = false;
        return;
      }
      loggedIn = true;
      me = res.name;
      $("me").textContent = `you are ${me}`;
      if (!connectedOnce) {
        connectedOnce = true;
        $("login").hidden = true;
        $("app").hidden = false;
        addChannel(EVERYONE);
        switchTo(EVERYONE);
        notice(EVERYONE, `Welcome, ${me}!`);
      } else {
        notice(EVERYONE, "Reconnected.");
      }
      renderUsers(res.users);
      $("input").focus();
    });
  }

  // ----- channels (everyone + rooms) --------------------------------------------------------

  function addChannel(key) {
    if (channels.has(key)) return channels.get(key);
    const log = el("ul", "log");
    log.dataset.channel = key;
    log.hidden = true;
    $("logs").append(log);
    const item = el("li", "channel");
    item.dataset.channel = key;
    item.append(el("span", "channel-name", key === EVERYONE ? "# everyone" : `# ${key}`));
    item.append(el("span", "badge"));
    item.addEventListener("click", () => switchTo(key));
    $("channels").append(item);
    const channel = { log, item, unread: 0 };
    channels.set(key, channel);
    return channel;
  }

  function removeChannel(key) {
    const channel = channels.get(key);
    if (!channel) return;
    channel.log.remove();
    channel.item.remove();
    channels.delete(key);
    if (active === key) switchTo(EVERYONE);
  }

  function switchTo(key) {
    const channel = channels.get(key);
    if (!channel) return;
    stopTyping();
    active = key;
    for (const [k, c] of channels) {
      c.log.hidden = k !== key;
      c.item.classList.toggle("active", k === key);
    }
    channel.unread = 0;
    channel.item.querySelector(".badge").textContent = "";
    $("channel-title").textContent = key === EVERYONE ? "# everyone" : `# ${key}`;
    $("input").placeholder = key === EVERYONE ? "Message everyone" : `Message #${key}`;
    $("leave").hidden = key === EVERYONE;
    scrollDown(channel.log);
    renderTyping();
  }

  function append(key, node) {
    const channel = channels.get(key) ?? addChannel(key);
    channel.log.append(node);
    if (key !== active) {
      channel.unread += 1;
      channel.item.querySelector(".badge").textContent = String(channel.unread);
    }
    scrollDown(channel.log);
  }

  function scrollDown(log) {
    const logs = $("logs");
    if (!log.hidden) logs.scrollTop = logs.scrollHeight;
  }

  function notice(key, text) {
    append(key, el("li", "notice", text));
  }

  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const room = $("room-name").value.trim();
    if (!room) return;
    socket.timeout(5000).emit("join room", room, (err, res) => {
      if (err || !res.ok) {
        $("room-error").textContent = err ? "the server did not answer" : res.error;
        return;
      }
      $("room-error").textContent = "";
      $("room-name").value = "";
      addChannel(res.room);
      switchTo(res.room);
      notice(res.room, `You joined #${res.room}. Messages here reach its members only.`);
    });
  });

  $("leave").addEventListener("click", () => {
    const room = active;
    if (room === EVERYONE) return;
    socket.timeout(5000).emit("leave room", room, (err, res) => {
      if (err || !res.ok) {
        $("room-error").textContent = err ? "the server did not answer" : res.error;
        return;
      }
      removeChannel(room);
    });
  });

  // ----- messages ---------------------------------------------------------------------------

  function messageItem(m, mine) {
    const li = el("li", mine ? "message mine" : "message");
    const meta = el("div", "meta");
    meta.append(el("span", "from", m.from));
    meta.append(el("time", "time", new Date(m.time ?? Date.now()).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    li.append(meta, el("div", "text", m.text));
    if (mine) li.append(el("div", "state", "sending…"));
    return li;
  }

  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    stopTyping();
    const cid = Math.random().toString(36).slice(2) + Date.now().toString(36);
    const room = active === EVERYONE ? null : active;
    const li = messageItem({ from: me, text }, true);
    li.dataset.cid = cid;
    li.classList.add("pending");
    append(active, li);
    pending.set(cid, li);
    // An ack tells us the server took it: the message is "delivered".
    socket.timeout(10000).emit("chat message", { text, room, cid }, (err, res) => {
      const state = li.querySelector(".state");
      li.classList.remove("pending");
      if (err || !res.ok) {
        li.classList.add("failed");
        state.textContent = err ? "not delivered (no answer)" : `not delivered: ${res.error}`;
      } else {
        li.classList.add("delivered");
        li.dataset.id = String(res.id);
        state.textContent = "✓ delivered";
      }
    });
  });

  socket.on("chat message", (m) => {
    const key = m.room ?? EVERYONE;
    const own = m.fromId === socket.id && m.cid && pending.get(m.cid);
    if (own) {
      // Our own message, back from `io.emit`: it is already on the page.
      pending.delete(m.cid);
      own.querySelector(".time").textContent = new Date(m.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      return;
    }
    if (m.room && !channels.has(m.room)) return; // left the room meanwhile
    clearTypist(m.from, m.room ?? null);
    const li = messageItem(m, m.fromId === socket.id);
    li.dataset.id = String(m.id);
    append(key, li);
  });

  // ----- who is here ------------------------------------------------------------------------

  function renderUsers(users) {
    const list = $("users");
    list.replaceChildren(
      ...users.map((name) => el("li", name === me ? "user me" : "user", name === me ? `${name} (you)` : name)),
    );
    $("user-count").textContent = String(users.length);
  }

  socket.on("users", renderUsers);

  socket.on("user joined", ({ name, returning }) => {
    notice(EVERYONE, returning ? `${name} is back` : `${name} joined`);
  });

  socket.on("user left", ({ name }) => {
    notice(EVERYONE, `${name} left`);
    for (const t of [...typists.values()]) if (t.name === name) clearTypist(t.name, t.room);
  });

  socket.on("room notice", ({ room, name, joined }) => {
    if (channels.has(room)) notice(room, `${name} ${joined ? "joined" : "left"} #${room}`);
  });

  // ----- typing -----------------------------------------------------------------------------

  $("input").addEventListener("input", () => {
    if (!loggedIn) return;
    if ($("input").value.trim() === "") return stopTyping();
    const room = active === EVERYONE ? null : active;
    if (!typing) {
      typing = true;
      typingRoom = room;
      socket.emit("typing", { typing: true, room });
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  function stopTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    if (!typing) return;
    typing = false;
    if (loggedIn) socket.emit("typing", { typing: false, room: typingRoom });
  }

  socket.on("typing", ({ name, typing: on, room }) => {
    if (on) {
      const key = `${room ?? ""}\u0000${name}`;
      clearTimeout(typists.get(key)?.timer);
      const timer = setTimeout(() => clearTypist(name, room), TYPING_EXPIRE_MS);
      typists.set(key, { name, room: room ?? null, timer });
      renderTyping();
    } else {
      clearTypist(name, room ?? null);
    }
  });

  function clearTypist(name, room) {
    const key = `${room ?? ""}\u0000${name}`;
    const t = typists.get(key);
    if (!t) return;
    clearTimeout(t.timer);
    typists.delete(key);
    renderTyping();
  }

  function renderTyping() {
    const here = [...typists.values()].filter((t) => (t.room ?? EVERYONE) === active);
    const elsewhere = [...typists.values()].filter((t) => (t.room ?? EVERYONE) !== active);
    const parts = [];
    if (here.length === 1) parts.push(`${here[0].name} is typing…`);
    else if (here.length > 1) parts.push(`${here.map((t) => t.name).join(", ")} are typing…`);
    for (const t of elsewhere) parts.push(`${t.name} is typing in ${t.room ? `#${t.room}` : "# everyone"}…`);
    $("typing").textContent = parts.join(" · ");
  }

  // For the browser tests and the curious: `chat.socket` in the console.
  window.chat = { socket };
})();
