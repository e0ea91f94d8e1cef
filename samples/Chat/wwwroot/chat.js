// The chat page: the official socket.io-client (served by SocketIoNet at /socket.io/socket.io.js) talking to ChatHub.
(() => {
  const $ = (id) => document.getElementById(id);
  let socket;
  let me;
  let channel;
  // Whether this connection has joined `channel`: after a reconnection the page waits for the rejoin's reply,
  // which replaces the message list, so nothing typed before it is wiped from the page.
  let joined = false;
  let typingTimer;
  const typingNow = new Map();

  function showError(text) {
    $("error").textContent = text;
    $("error").hidden = false;
  }

  function setStatus(state) {
    $("status").textContent = { online: `online as ${me}`, offline: "offline", reconnecting: "reconnecting…" }[state];
    $("status").className = `status ${state}`;
    // Nothing can be sent while the connection is down: the input says so instead of swallowing messages.
    const canSend = state === "online" && joined;
    $("message").disabled = $("send").disabled = !canSend;
  }

  function add(text, cls, id) {
    const li = document.createElement("li");
    li.textContent = text;
    if (cls) li.className = cls;
    if (id) li.dataset.id = id;
    $("messages").appendChild(li);
    li.scrollIntoView();
    return li;
  }

  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  const line = ({ from, text, at }) => `[${clock(at)}] ${from}: ${text}`;

  function renderUsers(users) {
    $("users").replaceChildren(...users.map((u) => Object.assign(document.createElement("li"), { textContent: u })));
  }

  function renderTyping() {
    const names = [...typingNow.keys()].filter((n) => n !== me);
    $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
  }

  async function renderChannels() {
    const list = await (await fetch("/api/channels")).json();
    $("channels").replaceChildren(
      ...list.map((name) => {
        const li = document.createElement("li");
        const b = Object.assign(document.createElement("button"), { textContent: `#${name}`, type: "button" });
        b.dataset.channel = name;
        b.onclick = () => join(name);
        li.appendChild(b);
        return li;
      }),
    );
  }

  function join(name) {
    socket.emit("join", name, (reply) => {
      if (reply.error) return add(reply.error, "notice");
      channel = reply.channel;
      joined = true;
      document.querySelectorAll("#channels button").forEach((b) => b.classList.toggle("active", b.dataset.channel === channel));
      $("room-title").textContent = `#${channel}`;
      $("messages").replaceChildren();
      for (const m of reply.history ?? []) add(line(m));
      add(`You joined #${channel}`, "notice");
      $("users-title").textContent = `In #${channel}`;
      typingNow.clear();
      renderTyping();
      renderUsers(reply.users);
      setStatus("online");
      $("message").focus();
    });
  }

  function connect(token, name) {
    me = name;
    socket = io({ auth: { token } });
    socket.on("connect", () => {
      $("signin").hidden = true;
      $("chat").hidden = false;
      $("error").hidden = true;
      joined = false;
      setStatus("online");
      if (channel) join(channel); // after a reconnection, rejoin the channel
    });
    socket.on("welcome", ({ name: who }) => {
      me = who;
      setStatus("online");
    });
    // The client reconnects by itself (its default); the page shows it is trying.
    socket.on("disconnect", (reason) => setStatus(reason === "io client disconnect" ? "offline" : "reconnecting"));
    socket.on("connect_error", (err) => {
      // A refused token is final; anything else is retried by the client (reconnection).
      const reason = err.data && err.data.reason ? ` (${err.data.reason})` : "";
      showError(`Connection refused: ${err.message}${reason}`);
      if (err.message === "invalid token") {
        // Not accepted any more (a server restarted with another secret, an expired token): sign in again.
        socket.disconnect();
        setStatus("offline");
        $("chat").hidden = true;
        $("signin").hidden = false;
      }
    });
    socket.on("notice", ({ text }) => add(text, "notice"));
    socket.on("presence", ({ channel: c, users }) => c === channel && renderUsers(users));
    socket.on("message", (m) => {
      typingNow.delete(m.from);
      renderTyping();
      add(line(m));
    });
    socket.on("typing", ({ name: who, typing }) => {
      if (typing) typingNow.set(who, true);
      else typingNow.delete(who);
      renderTyping();
    });
    renderChannels();
  }

  $("login-form").onsubmit = async (e) => {
    e.preventDefault();
    const name = $("name").value.trim();
    const res = await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }) });
    const body = await res.json();
    if (!res.ok) return showError(body.error);
    connect(body.token, name);
  };

  $("token-form").onsubmit = (e) => {
    e.preventDefault();
    connect($("token").value.trim(), "…"); // the server's welcome names the token's user
  };

  $("message").oninput = () => {
    // Typing indicators are volatile: dropped rather than queued when the connection is busy.
    socket.volatile.emit("typing", true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => socket.volatile.emit("typing", false), 1500);
  };

  $("message-form").onsubmit = (e) => {
    e.preventDefault();
    const text = $("message").value.trim();
    if (!text) return;
    $("message").value = "";
    clearTimeout(typingTimer);
    socket.volatile.emit("typing", false);
    const li = add(line({ from: me, text, at: Date.now() }), "mine pending");
    socket.timeout(5000).emit("message", text, (err, reply) => {
      li.classList.remove("pending");
      if (err || reply.error) {
        li.classList.add("failed");
        li.title = err ? "no answer from the server" : reply.error;
      }
      else li.classList.add("confirmed");
    });
  };
})();
