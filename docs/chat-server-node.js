// The chat of examples/chat (`examples/chat/src/chat.rs`) written for Node's socket.io 4.8:
// the same events, acks and behaviour, for the side-by-side in docs/chat-side-by-side.md.
//
//   npm install socket.io@4.8 && node docs/chat-server-node.js [port]
//
// Events from the page, all with an ack ({ ok: true, .. } or { ok: false, error }) except typing:
// login { name, rooms, returning }, chat message { text, room?, cid? }, typing { typing, room? },
// join room "room", leave room "room". A payload of another shape is ignored (no ack).

const MAX_NAME = 24; // longest nickname, in characters
const MAX_ROOM = 24; // longest room name, in characters
const MAX_TEXT = 2000; // longest message, in characters
const MAX_ROOMS = 16; // how many rooms one user may be in

let lastId = 0; // the id of the last message

function register(io) {
  io.on("connection", (socket) => {
    socket.on("login", async (login, callback = noop) => {
      if (!isLogin(login)) return;
      const name = login.name.trim();
      const error = checkName(name, MAX_NAME);
      if (error) return callback(refusal(`nickname: ${error}`));
      const rooms = (login.rooms ?? [])
        .map((room) => room.trim())
        .filter((room) => !checkName(room, MAX_ROOM))
        .slice(0, MAX_ROOMS);
      socket.join(rooms);
      const first = socket.data.name === undefined;
      socket.data.name = name;
      if (first) socket.broadcast.emit("user joined", { name, returning: login.returning ?? false });
      const users = await userList(io);
      io.emit("users", users);
      callback({ ok: true, name, rooms, users });
    });

    socket.on("chat message", (msg, callback = noop) => {
      if (!isMessage(msg)) return;
      const { name } = socket.data;
      if (name === undefined) return callback(refusal("log in first"));
      const text = msg.text.trim();
      if (text === "") return callback(refusal("empty message"));
      if ([...text].length > MAX_TEXT) return callback(refusal("message too long"));
      const room = msg.room?.trim() || null;
      if (room !== null && !inRoom(socket, room)) return callback(refusal("you are not in this room"));
      const id = ++lastId;
      const message = { id, cid: msg.cid ?? null, from: name, fromId: socket.id, text, room, time: Date.now() };
      // The sender gets its own message too: that is what `io.emit` means.
      (room === null ? io : io.to(room)).emit("chat message", message);
      callback({ ok: true, id });
    });

    socket.on("typing", (typing) => {
      if (!isTyping(typing)) return;
      const { name } = socket.data;
      if (name === undefined) return;
      const room = typing.room ?? null;
      const notice = { name, typing: typing.typing, room };
      if (room === null) socket.broadcast.emit("typing", notice);
      else if (inRoom(socket, room)) socket.to(room).emit("typing", notice);
    });

    socket.on("join room", (room, callback = noop) => {
      if (typeof room !== "string") return;
      const { name } = socket.data;
      if (name === undefined) return callback(refusal("log in first"));
      room = room.trim();
      const error = checkName(room, MAX_ROOM);
      if (error) return callback(refusal(`room name: ${error}`));
      if (inRoom(socket, room)) return callback({ ok: true, room });
      // The socket's own id is one of its rooms.
      if (socket.rooms.size > MAX_ROOMS) return callback(refusal("too many rooms"));
      socket.join(room);
      socket.to(room).emit("room notice", { room, name, joined: true });
      callback({ ok: true, room });
    });

    socket.on("leave room", (room, callback = noop) => {
      if (typeof room !== "string") return;
      const { name } = socket.data;
      if (name === undefined) return callback(refusal("log in first"));
      room = room.trim();
      if (!inRoom(socket, room)) return callback(refusal("you are not in this room"));
      socket.leave(room);
      socket.to(room).emit("room notice", { room, name, joined: false });
      callback({ ok: true, room });
    });

    socket.on("disconnect", async () => {
      const { name } = socket.data;
      if (name === undefined) return;
      socket.broadcast.emit("user left", { name });
      io.emit("users", await userList(io));
    });
  });
}

/** The nicknames of the logged-in sockets of every server (with an adapter), sorted. */
async function userList(io) {
  const key = (name) => name.toLowerCase();
  const sockets = await io.fetchSockets().catch(() => [...io.of("/").sockets.values()]);
  return sockets
    .map((socket) => socket.data.name)
    .filter((name) => name !== undefined)
    .sort((a, b) => (key(a) > key(b)) - (key(a) < key(b)));
}

/** Whether the socket is in `room` (its private room, named after its id, does not count). */
const inRoom = (socket, room) => room !== socket.id && socket.rooms.has(room);

/** Why a nickname or room name is refused, or undefined. */
function checkName(name, max) {
  if (name === "") return "empty";
  if ([...name].length > max) return "too long";
  if (/\p{Cc}/u.test(name)) return "control characters";
}

const refusal = (error) => ({ ok: false, error });
const noop = () => {};

// The payload shapes the page sends (what the Rust server's serde types accept).
const isString = (v) => typeof v === "string";
const isOptionalString = (v) => v == null || isString(v);
const isLogin = (m) =>
  isString(m?.name) &&
  (m.rooms === undefined || (Array.isArray(m.rooms) && m.rooms.every(isString))) &&
  (m.returning === undefined || typeof m.returning === "boolean");
const isMessage = (m) => isString(m?.text) && isOptionalString(m.room) && isOptionalString(m.cid);
const isTyping = (m) => typeof m?.typing === "boolean" && isOptionalString(m.room);

module.exports = { register };

if (require.main === module) {
  const { Server } = require("socket.io");
  const io = new Server(Number(process.argv[2] ?? 3000));
  register(io);
}
