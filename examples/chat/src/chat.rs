//! The Socket.IO side of the chat: who is online, and one handler per event.
//!
//! Events from the page, all with an ack (`{ ok: true, .. }` or `{ ok: false, error }`) except
//! `typing`:
//!
//! | event | payload | what the server does |
//! |---|---|---|
//! | `login` | `{ name, rooms, returning }` | stores the nickname, joins `rooms`; `user joined` to everyone else, `users` to everyone |
//! | `chat message` | `{ text, room?, cid? }` | `chat message` to everyone (`io.emit`), or to the room (`io.to(room)`) |
//! | `typing` | `{ typing, room? }` | `typing` to everyone else (`socket.broadcast`), or to the rest of the room (`socket.to(room)`) |
//! | `join room` / `leave room` | `"room"` | joins/leaves it; `room notice` to the rest of the room |
//!
//! A disconnect sends `user left` to everyone else and the new `users` list to everyone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use socketio::{AckSender, Data, DisconnectReason, Sid, SocketIo, SocketRef};

/// Longest nickname, in characters.
const MAX_NAME: usize = 24;
/// Longest room name, in characters.
const MAX_ROOM: usize = 24;
/// Longest message, in characters.
const MAX_TEXT: usize = 2000;
/// How many rooms one user may be in.
const MAX_ROOMS: usize = 16;

/// The nickname of a logged-in socket (kept in `socket.extensions`, Node's `socket.data`).
#[derive(Clone)]
struct Nickname(String);

/// What the chat shares between sockets.
#[derive(Default)]
struct State {
    /// Logged-in sockets and their nicknames (nicknames need not be unique).
    users: Mutex<HashMap<Sid, String>>,
    /// The id of the next message.
    next_id: AtomicU64,
}

impl State {
    /// The online nicknames, sorted.
    fn user_list(&self) -> Vec<String> {
        let mut names: Vec<String> = self.users.lock().values().cloned().collect();
        names.sort_by_key(|n| n.to_lowercase());
        names
    }

    fn set_user(&self, sid: Sid, name: Option<String>) {
        let mut users = self.users.lock();
        match name {
            Some(name) => users.insert(sid, name),
            None => users.remove(&sid),
        };
    }
}

#[derive(Deserialize)]
struct Login {
    name: String,
    #[serde(default)]
    rooms: Vec<String>,
    /// True when the page logs in again after a reconnection.
    #[serde(default)]
    returning: bool,
}

#[derive(Deserialize)]
struct Outgoing {
    text: String,
    #[serde(default)]
    room: Option<String>,
    /// The page's own id for the message, echoed back so it can match its pending copy.
    #[serde(default)]
    cid: Option<String>,
}

#[derive(Deserialize)]
struct Typing {
    typing: bool,
    #[serde(default)]
    room: Option<String>,
}

/// A message as everyone receives it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Message<'a> {
    id: u64,
    cid: Option<&'a str>,
    from: &'a str,
    from_id: String,
    text: &'a str,
    room: Option<&'a str>,
    time: u64,
}

/// Registers the chat on the main namespace of `io`.
pub(crate) fn register(io: &SocketIo) {
    let state = Arc::new(State::default());
    let server = io.clone();
    io.ns("/", move |socket: SocketRef| {
        on_connect(&server, &state, socket)
    });
}

fn on_connect(io: &SocketIo, state: &Arc<State>, socket: SocketRef) {
    let st = state.clone();
    let server = io.clone();
    socket.on(
        "login",
        move |socket: SocketRef, Data(login): Data<Login>, ack: AckSender| {
            let reply = login_user(&server, &st, &socket, login);
            ack.send(&reply);
        },
    );

    let st = state.clone();
    let server = io.clone();
    socket.on(
        "chat message",
        move |socket: SocketRef, Data(msg): Data<Outgoing>, ack: AckSender| {
            let reply = send_message(&server, &st, &socket, msg);
            ack.send(&reply);
        },
    );

    socket.on("typing", |socket: SocketRef, Data(typing): Data<Typing>| {
        let Some(Nickname(name)) = socket.extensions().get::<Nickname>() else {
            return;
        };
        let notice = json!({ "name": name, "typing": typing.typing, "room": typing.room });
        match &typing.room {
            Some(room) if in_room(&socket, room) => socket.to(room).emit("typing", &notice),
            Some(_) => {}
            None => socket.broadcast().emit("typing", &notice),
        }
    });

    socket.on(
        "join room",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| {
            ack.send(&join_room(&socket, &room));
        },
    );

    socket.on(
        "leave room",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| {
            let room = room.trim();
            let reply = match socket.extensions().get::<Nickname>() {
                Some(Nickname(name)) if in_room(&socket, room) => {
                    socket.leave(room);
                    let notice = json!({ "room": room, "name": name, "joined": false });
                    socket.to(room).emit("room notice", &notice);
                    json!({ "ok": true, "room": room })
                }
                Some(_) => refusal("you are not in this room"),
                None => refusal("log in first"),
            };
            ack.send(&reply);
        },
    );

    let st = state.clone();
    let server = io.clone();
    socket.on_disconnect(move |socket: &SocketRef, _reason: DisconnectReason| {
        let Some(Nickname(name)) = socket.extensions().get::<Nickname>() else {
            return;
        };
        st.set_user(socket.id(), None);
        socket
            .broadcast()
            .emit("user left", &json!({ "name": name }));
        server.emit("users", &st.user_list());
    });
}

fn login_user(io: &SocketIo, state: &State, socket: &SocketRef, login: Login) -> Value {
    let name = login.name.trim();
    if let Err(error) = check_name(name, MAX_NAME) {
        return refusal(&format!("nickname: {error}"));
    }
    let rooms: Vec<&str> = login
        .rooms
        .iter()
        .map(|r| r.trim())
        .filter(|r| check_name(r, MAX_ROOM).is_ok())
        .take(MAX_ROOMS)
        .collect();
    socket.join(&rooms);
    let first = socket
        .extensions()
        .insert(Nickname(name.to_owned()))
        .is_none();
    state.set_user(socket.id(), Some(name.to_owned()));
    if first {
        let notice = json!({ "name": name, "returning": login.returning });
        socket.broadcast().emit("user joined", &notice);
    }
    let users = state.user_list();
    io.emit("users", &users);
    json!({ "ok": true, "name": name, "rooms": rooms, "users": users })
}

fn send_message(io: &SocketIo, state: &State, socket: &SocketRef, msg: Outgoing) -> Value {
    let Some(Nickname(name)) = socket.extensions().get::<Nickname>() else {
        return refusal("log in first");
    };
    let text = msg.text.trim();
    if text.is_empty() {
        return refusal("empty message");
    }
    if text.chars().count() > MAX_TEXT {
        return refusal("message too long");
    }
    let room = msg.room.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(room) = room {
        if !in_room(socket, room) {
            return refusal("you are not in this room");
        }
    }
    let id = state.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let message = Message {
        id,
        cid: msg.cid.as_deref(),
        from: &name,
        from_id: socket.id().to_string(),
        text,
        room,
        time: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    };
    // The sender gets its own message too: that is what `io.emit` means.
    let sent = match room {
        Some(room) => io.to(room).try_emit("chat message", &message),
        None => io.try_emit("chat message", &message),
    };
    match sent {
        Ok(()) => json!({ "ok": true, "id": id }),
        Err(e) => refusal(&e.to_string()),
    }
}

fn join_room(socket: &SocketRef, room: &str) -> Value {
    let Some(Nickname(name)) = socket.extensions().get::<Nickname>() else {
        return refusal("log in first");
    };
    let room = room.trim();
    if let Err(error) = check_name(room, MAX_ROOM) {
        return refusal(&format!("room name: {error}"));
    }
    if in_room(socket, room) {
        return json!({ "ok": true, "room": room });
    }
    // The socket's own id is one of its rooms.
    if socket.rooms().len() > MAX_ROOMS {
        return refusal("too many rooms");
    }
    socket.join(room);
    let notice = json!({ "room": room, "name": name, "joined": true });
    socket.to(room).emit("room notice", &notice);
    json!({ "ok": true, "room": room })
}

/// Whether the socket is in `room` (its private room, named after its id, does not count).
fn in_room(socket: &SocketRef, room: &str) -> bool {
    room != socket.id().as_str() && socket.rooms().iter().any(|r| &**r == room)
}

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

    #[test]
    fn user_list_is_sorted() {
        let state = State::default();
        state.set_user(Sid::from_random([1; 15]), Some("bob".into()));
        state.set_user(Sid::from_random([2; 15]), Some("Alice".into()));
        state.set_user(Sid::from_random([3; 15]), Some("carol".into()));
        state.set_user(Sid::from_random([3; 15]), None);
        assert_eq!(state.user_list(), ["Alice", "bob"]);
    }
}
