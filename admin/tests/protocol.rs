//! The admin protocol of npm `@socket.io/admin-ui` 0.5.1, in-process (the harness plays the
//! Engine.IO connections; no sockets, virtual clock): authentication and sessions, `config`
//! per mode, `all_sockets`, the live events, `server_stats`, the UI's actions, read-only mode,
//! and the stats timer's end.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use engineio::CloseReason;
use serde_json::json;
use socketio::{SocketIo, SocketRef, Value};
use socketio_admin::{instrument, AdminError, AdminOptions, Auth, Mode};
use support::{v, Harness, TestClient};

const ADMIN: &str = "/admin";

/// A bcrypt hash of "changeit" (cost 4: fast tests).
fn hash() -> String {
    bcrypt::hash("changeit", 4).unwrap()
}

fn options(mode: Mode, readonly: bool) -> AdminOptions {
    AdminOptions {
        mode,
        readonly,
        server_id: Some("srv-1".into()),
        ..AdminOptions::new(Auth::basic("admin", hash()))
    }
}

/// A server with `/` and `/chat` (whose sockets say hello and set `data.nick` on `nick`),
/// instrumented with `options`.
fn server(options: AdminOptions) -> Harness {
    let io = SocketIo::new(Default::default());
    io.of("/chat").on_connection(|s: SocketRef| {
        s.join("lobby");
        s.on(
            "nick",
            |s: SocketRef, socketio::Data(nick): socketio::Data<String>| {
                s.update_data(|d| {
                    if let Value::Object(m) = d {
                        m.insert("nick".into(), Value::from(nick));
                    }
                });
            },
        );
        s.on("hello", |s: SocketRef, ack: socketio::AckSender| {
            s.emit("srv-event", &json!({"a": 1}));
            ack.send(&"ok");
        });
    });
    instrument(&io, options).unwrap();
    Harness::new(io)
}

/// Connects an admin client with the right credentials; returns it and its socket id, with
/// everything it received (the session event first) still to take.
async fn login(h: &Harness) -> (TestClient, String) {
    let c = h.client();
    c.connect_with(ADMIN, json!({"username": "admin", "password": "changeit"}));
    c.wait_for_packets().await;
    h.settle().await;
    let session = c.expect_event(ADMIN, "session");
    assert_eq!(session.len(), 1);
    let id = c.expect_connect(ADMIN);
    (c, id)
}

/// Every event received in the admin namespace: (name, args), taking them.
fn events(c: &TestClient) -> Vec<(String, Vec<Value>)> {
    c.received()
        .into_iter()
        .filter(|p| p.kind.is_event() && p.nsp == ADMIN)
        .map(|p| {
            let Some(Value::Array(mut items)) = p.data else {
                unreachable!()
            };
            let name = items.remove(0);
            (name.as_str().unwrap().to_owned(), items)
        })
        .collect()
}

fn names(events: &[(String, Vec<Value>)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

/// The arguments of the only event `name`.
fn only<'a>(events: &'a [(String, Vec<Value>)], name: &str) -> &'a [Value] {
    let found: Vec<_> = events.iter().filter(|(n, _)| n == name).collect();
    assert_eq!(found.len(), 1, "one {name} in {:?}", names(events));
    &found[0].1
}

/// `2026-11-30T15:42:33.000Z`.
fn assert_iso(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a date: {v:?}"));
    let b = s.as_bytes();
    assert_eq!(s.len(), 24, "{s}");
    assert!(
        b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z',
        "{s}"
    );
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn s(v: &str) -> Value {
    Value::from(v)
}

// ----- authentication -----

#[tokio::test(start_paused = true)]
async fn login_sends_the_session_before_the_connect_reply() {
    let h = server(options(Mode::Development, false));
    let c = h.client();
    c.connect_with(ADMIN, json!({"username": "admin", "password": "changeit"}));
    c.wait_for_packets().await;
    h.settle().await;
    let wire = c.received_wire();
    // 2/admin,["session","<16 hex>"] then 0/admin,{"sid":..}
    let session = &wire[0];
    assert!(session.starts_with(r#"2/admin,["session",""#), "{wire:?}");
    let id = &session[r#"2/admin,["session",""#.len()..session.len() - 2];
    assert_eq!(id.len(), 16, "{session}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(wire[1].starts_with(r#"0/admin,{"sid":""#), "{wire:?}");
}

#[tokio::test(start_paused = true)]
async fn wrong_or_missing_credentials_are_refused() {
    let h = server(options(Mode::Development, false));
    for auth in [
        json!({"username": "admin", "password": "nope"}),
        json!({"username": "root", "password": "changeit"}),
        json!({}),
        json!({"username": "admin"}),
        json!({"sessionId": "66dcb2917ac822f6"}),
        json!({"username": "admin", "password": 12}),
    ] {
        let c = h.client();
        c.connect_with(ADMIN, auth.clone());
        c.wait_for_packets().await;
        assert_eq!(
            c.received_wire(),
            [r#"4/admin,{"message":"invalid credentials"}"#],
            "{auth}"
        );
    }
    assert_eq!(h.io().of(ADMIN).socket_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_session_id_logs_in_again_without_a_new_session() {
    let h = server(options(Mode::Development, false));
    let c = h.client();
    c.connect_with(ADMIN, json!({"username": "admin", "password": "changeit"}));
    c.wait_for_packets().await;
    let session = c.expect_event(ADMIN, "session")[0]
        .as_str()
        .unwrap()
        .to_owned();

    let again = h.client();
    again.connect_with(ADMIN, json!({"sessionId": session}));
    h.settle().await;
    again.expect_connect(ADMIN);
    let names: Vec<String> = again.event_names(ADMIN);
    assert!(!names.contains(&"session".to_owned()), "{names:?}");
    assert!(names.contains(&"config".to_owned()), "{names:?}");

    // A wrong session id with the right password: a new session.
    let third = h.client();
    third.connect_with(
        ADMIN,
        json!({"sessionId": "0000000000000000", "username": "admin", "password": "changeit"}),
    );
    third.wait_for_packets().await;
    let other = third.expect_event(ADMIN, "session");
    assert_ne!(other[0].as_str(), Some(session.as_str()));
    third.expect_connect(ADMIN);
}

#[tokio::test(start_paused = true)]
async fn no_auth_means_anyone_connects_without_a_session() {
    let h = server(AdminOptions::new(Auth::None));
    let c = h.client();
    c.connect(ADMIN);
    c.expect_connect(ADMIN);
    let events = events(&c);
    assert!(!names(&events).contains(&"session"), "{:?}", names(&events));
    assert!(names(&events).contains(&"config"));
}

#[tokio::test(start_paused = true)]
async fn instrument_refuses_what_node_refuses() {
    let io = SocketIo::new(Default::default());
    for bad in ["changeit", "", "$2b$10$tooshort"] {
        assert_eq!(
            instrument(&io, AdminOptions::new(Auth::basic("admin", bad))),
            Err(AdminError::InvalidPasswordHash)
        );
    }
    let root = AdminOptions {
        namespace_name: "/".into(),
        ..AdminOptions::new(Auth::None)
    };
    assert!(matches!(
        instrument(&io, root),
        Err(AdminError::InvalidNamespace(_))
    ));
    // Nothing was set up.
    assert_eq!(io.namespaces().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn another_namespace_name() {
    let h = server(AdminOptions {
        namespace_name: "ops".into(),
        ..AdminOptions::new(Auth::None)
    });
    let c = h.client();
    c.connect("/ops");
    c.expect_connect("/ops");
    assert!(c.event_names("/ops").contains(&"config".to_owned()));
}

// ----- config and all_sockets -----

#[tokio::test(start_paused = true)]
async fn development_connect_order_config_and_all_sockets() {
    let h = server(options(Mode::Development, false));
    let app = h.client_with_query("foo=bar");
    let chat_id = app.join("/chat");
    let (c, id) = login(&h).await;
    let events = events(&c);
    assert_eq!(
        names(&events),
        ["room_joined", "socket_connected", "config", "all_sockets"]
    );
    // Its own room.
    let joined = &events[0].1;
    assert_eq!(joined[..3], [s(ADMIN), s(&id), s(&id)]);
    assert_iso(&joined[3]);
    // Itself.
    let me = &events[1].1;
    assert_eq!(me[0]["id"], s(&id));
    assert_eq!(me[0]["nsp"], s(ADMIN));
    assert_iso(&me[1]);
    assert_eq!(
        events[2].1,
        [v(json!({"supportedFeatures": [
            "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT",
            "AGGREGATED_EVENTS", "ALL_EVENTS"
        ]}))]
    );
    // Every socket of every namespace: the chat one and the admin one.
    let all = events[3].1[0].as_array().unwrap();
    let mut ids: Vec<(&str, &str)> = all
        .iter()
        .map(|s| (s["nsp"].as_str().unwrap(), s["id"].as_str().unwrap()))
        .collect();
    ids.sort();
    assert_eq!(ids, [("/admin", id.as_str()), ("/chat", chat_id.as_str())]);
    let chat = all
        .iter()
        .find(|s| s["id"] == Value::from(chat_id.as_str()))
        .unwrap();
    assert_serialized(chat, &app, &chat_id, "/chat", &["lobby"]);
}

/// A SerializedSocket as Node writes it.
fn assert_serialized(sock: &Value, app: &TestClient, id: &str, nsp: &str, rooms: &[&str]) {
    assert_eq!(
        keys(sock),
        [
            "id",
            "clientId",
            "transport",
            "nsp",
            "data",
            "handshake",
            "rooms"
        ]
    );
    assert_eq!(sock["id"], s(id));
    let engine = app.sid().to_string();
    assert_eq!(sock["clientId"], s(&engine[..12]));
    assert_eq!(sock["transport"], s("polling"));
    assert_eq!(sock["nsp"], s(nsp));
    assert_eq!(sock["data"], v(json!({})), "the _admin key is hidden");
    let hs = &sock["handshake"];
    assert_eq!(
        keys(hs),
        ["address", "headers", "query", "issued", "secure", "time", "url", "xdomain"]
    );
    assert_eq!(hs["address"], s("127.0.0.1"));
    assert_eq!(hs["headers"], v(json!({"x-test": "yes"})));
    assert_eq!(
        hs["query"],
        v(json!({"EIO": "4", "transport": "polling", "foo": "bar"}))
    );
    assert!(hs["issued"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(hs["secure"], Value::Bool(false));
    assert!(hs["time"]
        .as_str()
        .unwrap()
        .ends_with("GMT+0000 (Coordinated Universal Time)"));
    assert_eq!(hs["url"], s("/socket.io/?EIO=4&transport=polling&foo=bar"));
    assert_eq!(hs["xdomain"], Value::Bool(false));
    let mut got: Vec<&str> = sock["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    got.sort();
    let mut want: Vec<&str> = rooms.iter().copied().chain([id]).collect();
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test(start_paused = true)]
async fn the_address_comes_from_the_proxy_headers() {
    let h = server(options(Mode::Development, false));
    let forwarded = h.client_with_headers(&[("x-forwarded-for", "203.0.113.7")]);
    let forwarded_id = forwarded.join("/");
    let cloudflare = h.client_with_headers(&[
        ("x-forwarded-for", "203.0.113.7"),
        ("cf-connecting-ip", "198.51.100.9"),
    ]);
    let cloudflare_id = cloudflare.join("/");
    let (c, _) = login(&h).await;
    let events = events(&c);
    let all = only(&events, "all_sockets")[0].as_array().unwrap();
    let address = |id: &str| {
        all.iter()
            .find(|s| s["id"] == Value::from(id))
            .map(|s| s["handshake"]["address"].clone())
    };
    assert_eq!(address(&forwarded_id), Some(s("203.0.113.7")));
    assert_eq!(address(&cloudflare_id), Some(s("198.51.100.9")));
}

#[tokio::test(start_paused = true)]
async fn production_sends_config_only() {
    let h = server(options(Mode::Production, false));
    let app = h.client();
    app.join("/chat");
    let (c, _) = login(&h).await;
    let events = events(&c);
    assert_eq!(names(&events), ["config"]);
    assert_eq!(
        events[0].1,
        [v(json!({"supportedFeatures": [
            "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT",
            "AGGREGATED_EVENTS"
        ]}))]
    );
    // No live events either.
    let other = h.client();
    other.join("/chat");
    app.emit("/chat", "hello", json!([]), Some(1));
    app.server_socket("/chat").join("vip");
    other.close_transport();
    h.settle().await;
    assert_eq!(names(&self::events(&c)), Vec::<&str>::new());
    // Nor `_admin` in the sockets' data.
    assert_eq!(app.server_socket("/chat").data_value(), v(json!({})));
}

#[tokio::test(start_paused = true)]
async fn readonly_development_features() {
    let h = server(options(Mode::Development, true));
    let (c, _) = login(&h).await;
    let events = events(&c);
    assert_eq!(
        only(&events, "config"),
        [v(
            json!({"supportedFeatures": ["AGGREGATED_EVENTS", "ALL_EVENTS"]})
        )]
    );
    assert!(names(&events).contains(&"all_sockets"));
}

// ----- live events (development) -----

#[tokio::test(start_paused = true)]
async fn a_socket_connects_upgrades_and_changes_its_data() {
    let h = server(options(Mode::Development, false));
    let (c, _) = login(&h).await;
    events(&c);

    let app = h.client_with_query("foo=bar");
    let id = app.join("/chat");
    let got = events(&c);
    // Its own room, lobby (joined in the connection handler, after the socket_connected).
    assert_eq!(
        names(&got),
        ["room_joined", "socket_connected", "room_joined"]
    );
    assert_eq!(got[0].1[..3], [s("/chat"), s(&id), s(&id)]);
    assert_serialized(&got[1].1[0], &app, &id, "/chat", &[]);
    assert_iso(&got[1].1[1]);
    assert_eq!(got[2].1[..3], [s("/chat"), s("lobby"), s(&id)]);

    app.upgrade();
    assert_eq!(
        events(&c),
        [(
            "socket_updated".to_owned(),
            vec![v(
                json!({"id": id, "nsp": "/chat", "transport": "websocket"})
            )]
        )]
    );
    // Other servers learn the new transport through data._admin.
    let engine = app.sid().to_string();
    assert_eq!(
        app.server_socket("/chat").data_value(),
        v(json!({"_admin": {"clientId": &engine[..12], "transport": "websocket"}}))
    );

    app.emit("/chat", "nick", json!(["bob"]), None);
    let got = events(&c);
    let updated = only(&got, "socket_updated");
    assert_eq!(
        updated,
        [v(
            json!({"id": id, "nsp": "/chat", "data": {"nick": "bob"}})
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn events_received_and_sent() {
    let h = server(options(Mode::Development, false));
    let app = h.client();
    let id = app.join("/chat");
    let (c, _) = login(&h).await;
    events(&c);

    // The ack id is not an argument.
    app.emit("/chat", "hello", json!(["world"]), Some(3));
    app.expect_event("/chat", "srv-event");
    let got = events(&c);
    assert_eq!(names(&got), ["event_received", "event_sent"]);
    assert_eq!(
        got[0].1[..3],
        [s("/chat"), s(&id), v(json!(["hello", "world"]))]
    );
    assert_iso(&got[0].1[3]);
    assert_eq!(
        got[1].1[..3],
        [s("/chat"), s(&id), v(json!(["srv-event", {"a": 1}]))]
    );

    // A broadcast counts once per receiving socket.
    let other = h.client();
    let other_id = other.join("/chat");
    events(&c);
    h.io().of("/chat").emit("news", &1);
    let got = events(&c);
    let mut sent: Vec<String> = got
        .iter()
        .filter(|(n, _)| n == "event_sent")
        .map(|(_, a)| {
            assert_eq!(a[2], v(json!(["news", 1])));
            a[1].as_str().unwrap().to_owned()
        })
        .collect();
    sent.sort();
    let mut want = vec![id.clone(), other_id];
    want.sort();
    assert_eq!(sent, want);

    // What the admin namespace itself sends and receives is never reported.
    c.emit(ADMIN, "nothing-known", json!([]), None);
    h.settle().await;
    assert!(!names(&events(&c)).iter().any(|n| n.starts_with("event_")));
}

#[tokio::test(start_paused = true)]
async fn rooms_and_disconnects_in_node_order() {
    let h = server(options(Mode::Development, false));
    let app = h.client();
    let id = app.join("/chat");
    let (c, _) = login(&h).await;
    events(&c);

    let socket = app.server_socket("/chat");
    socket.join("vip");
    socket.leave("vip");
    let got = events(&c);
    assert_eq!(names(&got), ["room_joined", "room_left"]);
    assert_eq!(got[0].1[..3], [s("/chat"), s("vip"), s(&id)]);
    assert_eq!(got[1].1[..3], [s("/chat"), s("vip"), s(&id)]);
    assert_iso(&got[1].1[3]);

    // Leaving: socket_disconnected first, then the rooms it left (Node's next tick).
    app.disconnect("/chat");
    let got = events(&c);
    assert_eq!(
        names(&got),
        ["socket_disconnected", "room_left", "room_left"]
    );
    assert_eq!(
        got[0].1[..3],
        [s("/chat"), s(&id), s("client namespace disconnect")]
    );
    assert_iso(&got[0].1[3]);
    let mut rooms: Vec<&str> = got[1..]
        .iter()
        .map(|(_, a)| a[1].as_str().unwrap())
        .collect();
    rooms.sort();
    let mut want = vec![id.as_str(), "lobby"];
    want.sort();
    assert_eq!(rooms, want);

    // A closed connection: its reason.
    let other = h.client();
    let other_id = other.join("/");
    events(&c);
    other.close_transport();
    let got = events(&c);
    assert_eq!(names(&got), ["socket_disconnected", "room_left"]);
    assert_eq!(got[0].1[..3], [s("/"), s(&other_id), s("transport close")]);
}

// ----- server_stats -----

#[tokio::test(start_paused = true)]
async fn server_stats_every_two_seconds() {
    let h = server(options(Mode::Production, false));
    let app = h.client();
    app.join("/chat");
    let (c, admin_id) = login(&h).await;
    events(&c);

    tokio::time::advance(Duration::from_millis(1999)).await;
    h.settle().await;
    assert!(events(&c).is_empty(), "not yet");
    tokio::time::advance(Duration::from_millis(1)).await;
    h.settle().await;
    let got = events(&c);
    let stats = &only(&got, "server_stats")[0];
    assert_eq!(
        keys(stats),
        [
            "serverId",
            "hostname",
            "pid",
            "uptime",
            "clientsCount",
            "pollingClientsCount",
            "aggregatedEvents",
            "namespaces"
        ]
    );
    assert_eq!(stats["serverId"], s("srv-1"));
    assert!(!stats["hostname"].as_str().unwrap().is_empty());
    assert_eq!(stats["pid"].as_u64(), Some(u64::from(std::process::id())));
    assert!(stats["uptime"].as_f64().is_some());
    // The harness opens no engine session of the server's own table.
    assert_eq!(stats["clientsCount"].as_u64(), Some(0));
    assert_eq!(stats["pollingClientsCount"].as_u64(), Some(2));
    let mut namespaces: Vec<(String, u64)> = stats["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert_eq!(keys(n), ["name", "socketsCount"]);
            (
                n["name"].as_str().unwrap().to_owned(),
                n["socketsCount"].as_u64().unwrap(),
            )
        })
        .collect();
    namespaces.sort();
    assert_eq!(
        namespaces,
        [("/".into(), 0), ("/admin".into(), 1), ("/chat".into(), 1)]
    );
    let totals = totals(stats);
    assert_eq!(totals.get("rawConnection"), Some(&2));
    // CONNECT of /chat and of /admin.
    assert_eq!(totals.get("packetsIn"), Some(&2));
    assert!(totals.get("bytesIn").unwrap() > &50);
    assert!(totals.get("packetsOut").unwrap() >= &3);
    assert!(totals.get("bytesOut").unwrap() > &50);
    for e in stats["aggregatedEvents"].as_array().unwrap() {
        assert_eq!(keys(e), ["timestamp", "type", "count"]);
        assert_eq!(e["timestamp"].as_u64().unwrap() % 1000, 0);
    }

    // Drained: the next stats have only what happened since. An upgrade and a close.
    app.upgrade();
    app.close_transport();
    tokio::time::advance(Duration::from_millis(2000)).await;
    h.settle().await;
    let got = events(&c);
    let stats = &only(&got, "server_stats")[0];
    assert_eq!(stats["pollingClientsCount"].as_u64(), Some(1));
    let events: Vec<&Value> = stats["aggregatedEvents"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let gone: Vec<&&Value> = events
        .iter()
        .filter(|e| e["type"] == s("rawDisconnection"))
        .collect();
    assert_eq!(gone.len(), 1, "{events:?}");
    assert_eq!(keys(gone[0]), ["timestamp", "type", "subType", "count"]);
    assert_eq!(gone[0]["subType"], s("transport close"));
    assert!(!events.iter().any(|e| e["type"] == s("rawConnection")));
    // The previous stats went out too (packetsOut), nothing came in.
    assert!(!events.iter().any(|e| e["type"] == s("packetsIn")));
    assert_eq!(admin_id.len(), 20);
}

/// Sum of the counts per type.
fn totals(stats: &Value) -> std::collections::HashMap<String, u64> {
    let mut out = std::collections::HashMap::new();
    for e in stats["aggregatedEvents"].as_array().unwrap() {
        *out.entry(e["type"].as_str().unwrap().to_owned())
            .or_insert(0) += e["count"].as_u64().unwrap();
    }
    out
}

// ----- actions -----

#[tokio::test(start_paused = true)]
async fn actions_reach_namespaces_rooms_and_sockets() {
    let h = server(options(Mode::Development, false));
    let alice = h.client();
    let alice_id = alice.join("/chat");
    let bob = h.client();
    let bob_id = bob.join("/chat");
    let (c, _) = login(&h).await;
    events(&c);

    // emit to a namespace, then to one socket (the UI's filter is a room or a socket id).
    c.emit(
        ADMIN,
        "emit",
        json!(["/chat", "", "admin-says", "hi", 1]),
        None,
    );
    assert_eq!(
        alice.expect_event("/chat", "admin-says"),
        [s("hi"), v(json!(1))]
    );
    assert_eq!(
        bob.expect_event("/chat", "admin-says"),
        [s("hi"), v(json!(1))]
    );
    c.emit(ADMIN, "emit", json!(["/chat", bob_id, "only-bob"]), None);
    bob.expect_event("/chat", "only-bob");
    alice.expect_nothing();

    // join one socket to a room; the live event follows.
    c.emit(ADMIN, "join", json!(["/chat", "vip", alice_id]), None);
    h.settle().await;
    assert!(alice
        .server_socket("/chat")
        .rooms()
        .iter()
        .any(|r| &**r == "vip"));
    assert!(!bob
        .server_socket("/chat")
        .rooms()
        .iter()
        .any(|r| &**r == "vip"));
    let got = events(&c);
    assert!(got
        .iter()
        .any(|(n, a)| n == "room_joined" && a[1] == s("vip")));

    // join everyone, then clear the room (leave without a filter).
    c.emit(ADMIN, "join", json!(["/chat", "all"]), None);
    h.settle().await;
    assert!(bob
        .server_socket("/chat")
        .rooms()
        .iter()
        .any(|r| &**r == "all"));
    c.emit(ADMIN, "leave", json!(["/chat", "all"]), None);
    c.emit(ADMIN, "leave", json!(["/chat", "vip", alice_id]), None);
    h.settle().await;
    for app in [&alice, &bob] {
        let rooms = app.server_socket("/chat").rooms();
        assert!(
            !rooms.iter().any(|r| &**r == "all" || &**r == "vip"),
            "{rooms:?}"
        );
    }
    events(&c);

    // disconnect one socket from its namespace: the connection stays.
    c.emit(ADMIN, "_disconnect", json!(["/chat", false, bob_id]), None);
    h.settle().await;
    bob.expect_disconnect("/chat");
    assert!(bob.is_open());
    let got = events(&c);
    assert_eq!(
        only(&got, "socket_disconnected")[..3],
        [s("/chat"), s(&bob_id), s("server namespace disconnect")]
    );

    // close a whole client.
    c.emit(ADMIN, "_disconnect", json!(["/chat", true, alice_id]), None);
    h.settle().await;
    assert_eq!(alice.closed(), Some(CloseReason::ForcedServerClose));

    // An unknown namespace is not created.
    c.emit(ADMIN, "join", json!(["/nowhere", "x"]), None);
    c.emit(ADMIN, "emit", json!(["/nowhere", "", "x"]), None);
    h.settle().await;
    assert!(h.io().namespaces().iter().all(|n| n.name() != "/nowhere"));
}

#[tokio::test(start_paused = true)]
async fn readonly_ignores_the_actions() {
    let h = server(options(Mode::Development, true));
    let app = h.client();
    let id = app.join("/chat");
    let (c, _) = login(&h).await;
    events(&c);
    c.emit(
        ADMIN,
        "emit",
        json!(["/chat", "", "admin-says", "hi"]),
        None,
    );
    c.emit(ADMIN, "join", json!(["/chat", "vip", id]), None);
    c.emit(ADMIN, "_disconnect", json!(["/chat", true, id]), None);
    h.settle().await;
    app.expect_nothing();
    assert!(app.is_open());
    assert!(!app
        .server_socket("/chat")
        .rooms()
        .iter()
        .any(|r| &**r == "vip"));
}

// ----- the stats timer -----

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test(start_paused = true)]
async fn the_stats_timer_ends_with_the_server() {
    let before = alive_tasks();
    let io = SocketIo::new(Default::default());
    let weak = io.downgrade();
    instrument(&io, options(Mode::Development, false)).unwrap();
    assert_eq!(alive_tasks(), before + 1, "the timer");
    tokio::time::advance(Duration::from_millis(4100)).await;
    tokio::task::yield_now().await;
    drop(io);
    assert!(weak.upgrade().is_none(), "nothing keeps the server alive");
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(alive_tasks(), before, "the timer ended");
}

#[tokio::test(start_paused = true)]
async fn the_stats_timer_ends_when_the_server_closes() {
    let before = alive_tasks();
    let io = SocketIo::new(Default::default());
    instrument(&io, options(Mode::Production, false)).unwrap();
    assert_eq!(alive_tasks(), before + 1);
    io.close().await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(alive_tasks(), before);
}
