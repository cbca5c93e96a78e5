//! The options of [`instrument`](crate::instrument), with Node's names and defaults.

use crate::error::AdminError;

/// How [`instrument`](crate::instrument) serves the Admin UI (Node's `instrument(io, opts)`
/// options). There is no `Default`: as in Node, the authentication must be chosen, so an
/// unauthenticated admin namespace is never an accident.
///
/// ```
/// use socketio_admin::{AdminOptions, Auth, Mode};
///
/// let hash = bcrypt::hash("changeit", 4)?;
/// let options = AdminOptions {
///     readonly: true,
///     mode: Mode::Production,
///     ..AdminOptions::new(Auth::basic("admin", hash))
/// };
/// assert_eq!(options.namespace_name, "/admin");
/// # Ok::<(), bcrypt::BcryptError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminOptions {
    /// The namespace the UI connects to. Default `"/admin"` (Node's `namespaceName`); a name
    /// without its leading `/` gets one.
    pub namespace_name: String,
    /// Who may connect (Node's `auth`). No default.
    pub auth: Auth,
    /// When true, the UI may only look: no `emit`, `join`, `leave` or `_disconnect` handler is
    /// registered. Default false, as in Node.
    pub readonly: bool,
    /// How this server is named in the UI (Node's `serverId`). Default `None`: the host name
    /// (`/proc/sys/kernel/hostname`, else `$HOSTNAME`, else `"rust"`), as Node's
    /// `os.hostname()`. Give each server of a cluster its own.
    pub server_id: Option<String>,
    /// What is reported (Node's `mode`). Default [`Mode::Development`], what Node picks when
    /// `NODE_ENV` is not set.
    pub mode: Mode,
}

impl AdminOptions {
    /// The options with this authentication and Node's other defaults.
    pub fn new(auth: Auth) -> Self {
        AdminOptions {
            namespace_name: "/admin".to_owned(),
            auth,
            readonly: false,
            server_id: None,
            mode: Mode::default(),
        }
    }
}

/// Who may connect to the admin namespace (Node's `auth` option).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication at all (Node's `auth: false`): anyone who reaches the server may
    /// watch it, and act on it unless `readonly`.
    None,
    /// A user name and the bcrypt hash of the password (Node's
    /// `{ type: "basic", username, password }`). The UI sends both in the CONNECT auth payload;
    /// a successful login gets a session id, which later connections may send instead.
    Basic {
        /// The user name.
        username: String,
        /// The bcrypt hash of the password (`$2a$`, `$2b$`, `$2x$` or `$2y$`; any cost).
        password_hash: String,
    },
}

impl Auth {
    /// [`Auth::Basic`] with a user name and a bcrypt hash.
    pub fn basic(username: impl Into<String>, password_hash: impl Into<String>) -> Self {
        Auth::Basic {
            username: username.into(),
            password_hash: password_hash.into(),
        }
    }

    /// Checks the hash, as Node's `bcryptjs.getRounds` does at `instrument` time.
    pub(crate) fn validate(&self) -> Result<(), AdminError> {
        match self {
            Auth::None => Ok(()),
            Auth::Basic { password_hash, .. } => password_hash
                .parse::<bcrypt::HashParts>()
                .map(|_| ())
                .map_err(|_| AdminError::InvalidPasswordHash),
        }
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            // The hash stays out of logs.
            Auth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

/// What the server reports to the UI (Node's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Everything: the sockets (`all_sockets`), their connections, rooms, data and events as
    /// they happen, and the stats. Node's `"development"`, its default.
    #[default]
    Development,
    /// The stats only (server, client and socket counts, aggregated traffic): no per-socket
    /// data leaves the server. Node's `"production"` (any mode but `"development"`).
    Production,
}

/// A feature the UI may offer, as the `config` event names it.
pub(crate) const WRITE_FEATURES: [&str; 7] = [
    "EMIT",
    "JOIN",
    "LEAVE",
    "DISCONNECT",
    "MJOIN",
    "MLEAVE",
    "MDISCONNECT",
];

/// The `supportedFeatures` of the `config` event: the actions unless read-only, then the
/// aggregated events, then every event in development.
pub(crate) fn supported_features(mode: Mode, readonly: bool) -> Vec<&'static str> {
    let mut features = Vec::new();
    if !readonly {
        features.extend(WRITE_FEATURES);
    }
    features.push("AGGREGATED_EVENTS");
    if mode == Mode::Development {
        features.push("ALL_EVENTS");
    }
    features
}

/// This machine's name, as Node's `os.hostname()`.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "rust".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_per_mode() {
        assert_eq!(
            supported_features(Mode::Development, false),
            [
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
                "AGGREGATED_EVENTS",
                "ALL_EVENTS"
            ]
        );
        assert_eq!(
            supported_features(Mode::Production, false),
            [
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
                "AGGREGATED_EVENTS"
            ]
        );
        assert_eq!(
            supported_features(Mode::Development, true),
            ["AGGREGATED_EVENTS", "ALL_EVENTS"]
        );
        assert_eq!(
            supported_features(Mode::Production, true),
            ["AGGREGATED_EVENTS"]
        );
    }

    #[test]
    fn hashes_are_checked() {
        assert!(Auth::None.validate().is_ok());
        let good = bcrypt::hash("changeit", 4).unwrap();
        assert!(Auth::basic("admin", good).validate().is_ok());
        for bad in [
            "",
            "changeit",
            "$2b$04$short",
            "$1$abcdefgh$0123456789012345678901",
        ] {
            assert!(
                matches!(
                    Auth::basic("admin", bad).validate(),
                    Err(AdminError::InvalidPasswordHash)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn auth_debug_hides_the_hash() {
        let auth = Auth::basic("admin", "$2b$04$secret");
        assert!(!format!("{auth:?}").contains("secret"));
    }

    #[test]
    fn hostname_is_never_empty() {
        assert!(!hostname().is_empty());
    }
}
