//! The Socket.IO side of the chat. `docs/chat-server-node.js` is the same server written for
//! Node's socket.io, and `docs/chat-side-by-side.md` compares the two.
//!
//! Events from the page, all with an ack (`{ ok: true, .. }` or `{ ok: false, error }`) except
//! `typing`:
//!
//! | event | payload | what the server does |
//! |---|---|---|
//! | `login` | `{ name, rooms, returning }` | stores the nickname in `socket.data`, joins `rooms`; `user joined` to everyone else, `users` to everyone |
//! | `chat message` | `{ text, room?, cid? }` | `chat message` to everyone (`io.emit`), or to the room (`io.to(room)`) |
//! | `typing` | `{ typing, room? }` | `typing` to everyone else (`socket.broadcast`), or to the rest of the room (`socket.to(room)`) |
//! | `join room` / `leave room` | `"room"` | joins/leaves it; `room notice` to the rest of the room |
//!
//! A disconnect sends `user left` to everyone else and the new `users` list to everyone. A
//! payload of another shape is ignored (no ack).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use socketio::{AckSender, Data, DisconnectReason, Namespace, SocketIo, SocketRef};

const MAX_NAME: usize = 24; // longest nickname, in characters
const MAX_ROOM: usize = 24; // longest room name, in characters
const MAX_TEXT: usize = 2000; // longest message, in characters
const MAX_ROOMS: usize = 16; // how many rooms one user may be in

static LAST_ID: AtomicU64 = AtomicU64::new(0); // the id of the last message

/// `socket.data` once the socket logged in.
#[derive(Serialize, Deserialize)]
struct User {
    name: String,
}

#[derive(Deserialize)]
struct Login {
    name: String,
    #[serde(default)]
    rooms: Vec<String>,
    #[serde(default)]
    returning: bool,
}

#[derive(Deserialize)]
struct Message {
    text: String,
    room: Option<String>,
    cid: Option<String>,
}

#[derive(Deserialize)]
struct Typing {
    typing: bool,
    room: Option<String>,
}

/// Registers the chat on the main namespace of `io`.
pub(crate) fn register(io: &SocketIo) {
    io.on_connection(|socket: SocketRef| {
        socket.on("login", login);
        socket.on("chat message", chat_message);
        socket.on("typing", typing);
        socket.on("join room", join_room);
        socket.on("leave room", leave_room);
        socket.on_disconnect(disconnect);
    });
}

async fn login(socket: SocketRef, Data(login): Data<Login>, ack: AckSender) {
    let name = login.name.trim();
    if let Err(error) = check_name(name, MAX_NAME) {
        return ack.send(&refusal(&format!("nickname: {error}")));
    }
    let rooms = login.rooms.iter().map(|room| room.trim());
    let rooms: Vec<&str> = rooms
        .filter(|room| check_name(room, MAX_ROOM).is_ok())
        .take(MAX_ROOMS)
        .collect();
    socket.join(&rooms);
    let first = name_of(&socket).is_none();
    socket.set_data(&User { name: name.into() });
    if first {
        let notice = json!({ "name": name, "returning": login.returning });
        socket.broadcast().emit("user joined", &notice);
    }
    let users = user_list(&socket.nsp()).await;
    socket.nsp().emit("users", &users);
    ack.send(&json!({ "ok": true, "name": name, "rooms": rooms, "users": users }));
}

fn chat_message(socket: SocketRef, Data(msg): Data<Message>, ack: AckSender) {
    let Some(name) = name_of(&socket) else {
        return ack.send(&refusal("log in first"));
    };
    let text = msg.text.trim();
    if text.is_empty() {
        return ack.send(&refusal("empty message"));
    }
    if text.chars().count() > MAX_TEXT {
        return ack.send(&refusal("message too long"));
    }
    let room = msg.room.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if room.is_some_and(|room| !in_room(&socket, room)) {
        return ack.send(&refusal("you are not in this room"));
    }
    let id = LAST_ID.fetch_add(1, Ordering::Relaxed) + 1;
    let message = json!({ "id": id, "cid": msg.cid, "from": name, "fromId": socket.id(),
        "text": text, "room": room, "time": now_ms() });
    // The sender gets its own message too: that is what `io.emit` means.
    match room {
        None => socket.nsp().emit("chat message", &message),
        Some(room) => socket.nsp().to(room).emit("chat message", &message),
    }
    ack.send(&json!({ "ok": true, "id": id }));
}

fn typing(socket: SocketRef, Data(typing): Data<Typing>) {
    let Some(name) = name_of(&socket) else { return };
    let notice = json!({ "name": name, "typing": typing.typing, "room": typing.room });
    match &typing.room {
        None => socket.broadcast().emit("typing", &notice),
        Some(room) if in_room(&socket, room) => socket.to(room).emit("typing", &notice),
        Some(_) => {}
    }
}

fn join_room(socket: SocketRef, Data(room): Data<String>, ack: AckSender) {
    let Some(name) = name_of(&socket) else {
        return ack.send(&refusal("log in first"));
    };
    let room = room.trim();
    if let Err(error) = check_name(room, MAX_ROOM) {
        return ack.send(&refusal(&format!("room name: {error}")));
    }
    if in_room(&socket, room) {
        return ack.send(&json!({ "ok": true, "room": room }));
    }
    // The socket's own id is one of its rooms.
    if socket.rooms().len() > MAX_ROOMS {
        return ack.send(&refusal("too many rooms"));
    }
    socket.join(room);
    let notice = json!({ "room": room, "name": name, "joined": true });
    socket.to(room).emit("room notice", &notice);
    ack.send(&json!({ "ok": true, "room": room }));
}

fn leave_room(socket: SocketRef, Data(room): Data<String>, ack: AckSender) {
    let Some(name) = name_of(&socket) else {
        return ack.send(&refusal("log in first"));
    };
    let room = room.trim();
    if !in_room(&socket, room) {
        return ack.send(&refusal("you are not in this room"));
    }
    socket.leave(room);
    let notice = json!({ "room": room, "name": name, "joined": false });
    socket.to(room).emit("room notice", &notice);
    ack.send(&json!({ "ok": true, "room": room }));
}

fn disconnect(socket: &SocketRef, _reason: DisconnectReason) {
    let Some(name) = name_of(socket) else { return };
    let notice = json!({ "name": name });
    socket.broadcast().emit("user left", &notice);
    let nsp = socket.nsp();
    tokio::spawn(async move { nsp.emit("users", &user_list(&nsp).await) });
}

/// The nickname of a logged-in socket (`socket.data.name`).
fn name_of(socket: &SocketRef) -> Option<String> {
    socket.data::<User>().ok().map(|user| user.name)
}

/// The nicknames of the logged-in sockets of every server (every chat process, with the Redis
/// adapter), sorted.
async fn user_list(nsp: &Namespace) -> Vec<String> {
    let mut names: Vec<String> = match nsp.fetch_sockets().await {
        Ok(sockets) => sockets
            .iter()
            .filter_map(|s| s.data::<User>().ok())
            .map(|u| u.name)
            .collect(),
        // Another server did not answer in time: this server's users at least.
        Err(_) => nsp.sockets().iter().filter_map(name_of).collect(),
    };
    names.sort_by_key(|name| name.to_lowercase());
    names
}

/// Whether the socket is in `room` (its private room, named after its id, does not count).
fn in_room(socket: &SocketRef, room: &str) -> bool {
    room != socket.id().as_str() && socket.in_room(room)
}

/// Why a nickname or room name is refused.
fn check_name(name: &str, max: usize) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("empty")
    } else if name.chars().count() > max {
        Err("too long")
    } else if name.chars().any(char::is_control) {
        Err("control characters")
    } else {
        Ok(())
    }
}

fn refusal(error: &str) -> Value {
    json!({ "ok": false, "error": error })
}

/// Milliseconds since the Unix epoch (JavaScript's `Date.now()`).
fn now_ms() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("alice", MAX_NAME).is_ok());
        assert!(check_name("", MAX_NAME).is_err());
        assert!(check_name("a\nb", MAX_NAME).is_err());
        assert!(check_name(&"x".repeat(MAX_NAME + 1), MAX_NAME).is_err());
        assert!(check_name(&"é".repeat(MAX_NAME), MAX_NAME).is_ok());
    }
}
