//! [`instrument`]: the admin namespace, its authentication, the events it sends on
//! connection and the actions the UI asks for.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;
use socketio::{Args, BroadcastOperators, MiddlewareError, SocketIo, SocketRef, Value};

use crate::admin::{find_namespace, Admin};
use crate::error::AdminError;
use crate::options::{supported_features, AdminOptions, Auth, Mode};

/// Serves the Admin UI on `io` (Node's `instrument(io, opts)` of `@socket.io/admin-ui`
/// 0.5.1): the admin namespace with its authentication, `config`, `all_sockets` and
/// `server_stats` (now, then every 2 s), the live events in development mode, and the UI's
/// actions (`emit`, `join`, `leave`, `_disconnect`) unless read-only.
///
/// Needs a tokio runtime for the stats timer: called outside one, the timer starts with the
/// first connection. The timer ends when the server is closed or dropped.
///
/// # Errors
///
/// [`AdminError::InvalidPasswordHash`] when [`Auth::Basic`] holds something that is not a
/// bcrypt hash; [`AdminError::InvalidNamespace`] for an empty or `/` namespace name.
pub fn instrument(io: &SocketIo, options: AdminOptions) -> Result<(), AdminError> {
    options.auth.validate()?;
    let name = namespace_name(&options.namespace_name)?;
    let server_id = options
        .server_id
        .clone()
        .unwrap_or_else(crate::options::hostname);
    let admin = Admin::new(io, name.clone(), options.mode, server_id);
    admin.adopt_existing(io);
    let ns = io.of(&name);

    if let Auth::Basic {
        username,
        password_hash,
    } = options.auth
    {
        let login = Arc::new(Login {
            username,
            password_hash,
            sessions: Mutex::default(),
        });
        ns.use_middleware(move |socket: SocketRef| {
            let login = login.clone();
            async move { login.check(&socket).await }
        });
    }

    let features = supported_features(options.mode, options.readonly);
    let readonly = options.readonly;
    let on_connect = admin.clone();
    ns.on_connection(move |socket: SocketRef| {
        let admin = on_connect.clone();
        let features = features.clone();
        async move {
            if !readonly {
                register_actions(&socket, &admin);
            }
            socket.emit(
                "config",
                &serde_json::json!({ "supportedFeatures": features }),
            );
            if admin.mode == Mode::Development {
                let sockets = admin.all_sockets().await;
                socket.emit_args("all_sockets", vec![Value::Array(sockets)]);
            }
        }
    });

    io.observe(admin.clone());
    // Node sends the first stats right away (other servers' admin sockets get them).
    if tokio::runtime::Handle::try_current().is_ok() {
        admin.emit_stats();
        admin.start_timer();
    }
    Ok(())
}

/// `/admin`, `admin` -> `/admin`; the main namespace is refused.
fn namespace_name(name: &str) -> Result<String, AdminError> {
    let trimmed = name.trim_start_matches('/');
    if trimmed.is_empty() {
        return Err(AdminError::InvalidNamespace(name.to_owned()));
    }
    Ok(format!("/{trimmed}"))
}

/// The basic authentication and its sessions (Node's `InMemoryStore`: ids that never expire).
struct Login {
    username: String,
    password_hash: String,
    sessions: Mutex<HashSet<String>>,
}

impl Login {
    /// The middleware: a known `sessionId`, or the right username and password (which opens
    /// a session, told to the client with a `session` event before the CONNECT reply).
    async fn check(&self, socket: &SocketRef) -> Result<(), MiddlewareError> {
        let auth = &socket.handshake().auth;
        let field = |k: &str| auth.get(k).and_then(Value::as_str);
        if let Some(id) = field("sessionId") {
            if self.sessions.lock().contains(id) {
                return Ok(());
            }
        }
        if let (Some(user), Some(password)) = (field("username"), field("password")) {
            if user == self.username && self.password_matches(password).await {
                let id = new_session_id();
                self.sessions.lock().insert(id.clone());
                socket.emit("session", &id);
                return Ok(());
            }
        }
        Err(MiddlewareError::new("invalid credentials"))
    }

    /// bcrypt on the blocking pool (it takes tens of milliseconds on purpose).
    async fn password_matches(&self, password: &str) -> bool {
        let password = password.to_owned();
        let hash = self.password_hash.clone();
        match tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash)).await {
            Ok(Ok(ok)) => ok,
            Ok(Err(e)) => {
                tracing::warn!("admin: password check failed: {e}");
                false
            }
            Err(e) => {
                tracing::warn!("admin: password check did not finish: {e}");
                false
            }
        }
    }
}

/// 8 random bytes in hex (Node's `randomBytes(8).toString("hex")`).
fn new_session_id() -> String {
    rand::random::<[u8; 8]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The UI's actions on an admin socket. They go through the namespace operators, so they
/// reach the sockets of every server of the cluster. None has an ack.
fn register_actions(socket: &SocketRef, admin: &Arc<Admin>) {
    // emit(nsp, filter, event, ...args)
    let a = admin.clone();
    socket.on("emit", move |Args(args): Args| {
        let Some(ops) = target(&a, &args, 1) else {
            return;
        };
        let Some(event) = args.get(2).and_then(Value::as_str) else {
            return;
        };
        ops.emit_args(event, args.get(3..).unwrap_or_default().to_vec());
    });
    // join(nsp, room, filter?)
    let a = admin.clone();
    socket.on("join", move |Args(args): Args| {
        if let (Some(ops), Some(room)) = (target(&a, &args, 2), string_arg(&args, 1)) {
            ops.sockets_join(room);
        }
    });
    // leave(nsp, room, filter?)
    let a = admin.clone();
    socket.on("leave", move |Args(args): Args| {
        if let (Some(ops), Some(room)) = (target(&a, &args, 2), string_arg(&args, 1)) {
            ops.sockets_leave(room);
        }
    });
    // _disconnect(nsp, close, filter?)
    let a = admin.clone();
    socket.on("_disconnect", move |Args(args): Args| {
        if let Some(ops) = target(&a, &args, 2) {
            let close = args.get(1).and_then(Value::as_bool).unwrap_or(false);
            ops.disconnect_sockets(close);
        }
    });
}

/// The operators of namespace `args[0]`, narrowed to the room (or socket id) `args[filter]`
/// when it is a non-empty string. An unknown namespace is not created: nothing happens.
fn target(admin: &Admin, args: &[Value], filter: usize) -> Option<BroadcastOperators> {
    let nsp = string_arg(args, 0)?;
    let io = admin.io()?;
    let ns = find_namespace(&io, nsp)?;
    Some(match string_arg(args, filter) {
        Some(room) => ns.to(room),
        None => ns.operators(),
    })
}

/// A non-empty string argument.
fn string_arg(args: &[Value], i: usize) -> Option<&str> {
    args.get(i)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names() {
        assert_eq!(namespace_name("/admin"), Ok("/admin".to_owned()));
        assert_eq!(namespace_name("admin"), Ok("/admin".to_owned()));
        assert!(namespace_name("/").is_err());
        assert!(namespace_name("").is_err());
    }

    #[test]
    fn session_ids_are_16_hex_characters() {
        let id = new_session_id();
        assert_eq!(id.len(), 16);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(new_session_id(), id);
    }
}
