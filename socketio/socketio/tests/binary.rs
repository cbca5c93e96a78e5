//! Binary data (protocol.md §2.2, §2.3): attachments in and out, extractors that keep or
//! refuse binary, binary acks and broadcasts; and the msgpack parser for the same flows.

#![allow(clippy::unwrap_used)]

mod support;

use bytes::Bytes;
use serde_json::json;
use socketio::{AckSender, Args, Bin, Data, MsgpackParser, SocketIo, SocketRef, TryData, Value};
use support::{bin, v, Harness, Log};

fn echo_server() -> SocketIo {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on("binary-back", |s: SocketRef, Args(args): Args| {
            s.emit_args("binary-back", args)
        });
        s.on("message-with-ack", |Args(args): Args, ack: AckSender| {
            ack.send_args(args)
        });
        s.on("server-emit-binary", |s: SocketRef| {
            s.emit_many(
                "bin",
                &(
                    Bytes::from_static(&[1, 2, 3]),
                    json_with_binary(Bytes::from_static(&[4, 5])),
                ),
            )
        });
    });
    io
}

fn json_with_binary(b: Bytes) -> Value {
    let mut map = socketio::Map::new();
    map.insert("nested".into(), Value::from(b));
    Value::Object(map)
}

fn args(items: Vec<Value>) -> Value {
    Value::Array(items)
}

// ----- JSON parser: attachments -----

#[tokio::test(start_paused = true)]
async fn r2_2_binary_event_comes_back_with_its_attachment() {
    let h = Harness::new(echo_server());
    let c = h.client();
    c.join("/");
    c.raw_messages();
    c.emit("/", "binary-back", args(vec![bin(&[1, 2, 3, 4])]), None);
    assert_eq!(
        c.raw_messages(),
        [
            r#"51-["binary-back",{"_placeholder":true,"num":0}]"#,
            "<bin 01 02 03 04>"
        ]
    );
    assert_eq!(c.expect_event("/", "binary-back"), [bin(&[1, 2, 3, 4])]);
}

#[tokio::test(start_paused = true)]
async fn r2_2_server_binary_emit_places_attachments_depth_first() {
    let h = Harness::new(echo_server());
    let c = h.client();
    c.join("/");
    c.raw_messages();
    c.emit("/", "server-emit-binary", json!([]), None);
    assert_eq!(
        c.raw_messages(),
        [
            r#"52-["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]"#,
            "<bin 01 02 03>",
            "<bin 04 05>",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_2_two_nested_attachments_round_trip() {
    let h = Harness::new(echo_server());
    let c = h.client();
    c.join("/");
    let payload = v(json!({"a": [1, {"b": null}]}));
    let mut obj = payload.as_object().unwrap().clone();
    obj.insert("bin1".into(), bin(&[9]));
    obj.insert("list".into(), args(vec![bin(&[8]), Value::from("x")]));
    c.emit(
        "/",
        "binary-back",
        args(vec![Value::Object(obj.clone())]),
        None,
    );
    assert_eq!(c.expect_event("/", "binary-back"), [Value::Object(obj)]);
}

#[tokio::test(start_paused = true)]
async fn r2_2_binary_ack_is_a_binary_ack_packet() {
    let h = Harness::new(echo_server());
    let c = h.client();
    c.join("/");
    c.raw_messages();
    c.emit("/", "message-with-ack", args(vec![bin(&[7])]), Some(13));
    assert_eq!(
        c.raw_messages(),
        [r#"61-13[{"_placeholder":true,"num":0}]"#, "<bin 07>"]
    );
    assert_eq!(c.expect_ack("/", 13), [bin(&[7])]);
}

#[tokio::test(start_paused = true)]
async fn r2_2_binary_in_a_namespace_names_it_after_the_count() {
    let io = echo_server();
    io.of("/custom").on_connection(|s: SocketRef| {
        s.on("b", |s: SocketRef, Args(a): Args| s.emit_args("b", a));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/custom");
    c.raw_messages();
    c.emit("/custom", "b", args(vec![bin(&[1])]), None);
    assert_eq!(
        c.raw_messages(),
        [
            r#"51-/custom,["b",{"_placeholder":true,"num":0}]"#,
            "<bin 01>"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_2_binary_broadcast_reaches_every_socket_with_its_attachments() {
    let h = Harness::default_server();
    let io = h.io();
    let a = h.client();
    let b = h.client();
    a.join("/");
    b.join("/");
    a.raw_messages();
    b.raw_messages();
    io.emit("file", &Bytes::from_static(&[0xff, 0]));
    for c in [&a, &b] {
        assert_eq!(
            c.raw_messages(),
            [
                r#"51-["file",{"_placeholder":true,"num":0}]"#,
                "<bin ff 00>"
            ]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn r2_3_binary_event_with_zero_attachments_is_accepted() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l = l.clone();
        s.on("z", move |Args(a): Args| l.push(format!("{}", a.len())));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.send_text(r#"50-["z",1]"#);
    assert_eq!(log.take(), ["1"]);
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_3_more_attachments_than_allowed_close_the_connection() {
    let h = Harness::new(SocketIo::builder().max_attachments(2).build());
    let c = h.client();
    c.join("/");
    c.emit(
        "/",
        "many",
        args(vec![bin(&[1]), bin(&[2]), bin(&[3])]),
        None,
    );
    assert!(!c.is_open());
}

// ----- extractors and binary -----

#[tokio::test(start_paused = true)]
async fn r2_2_value_extractors_keep_binary() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l2 = l.clone();
        s.on("v", move |Data(value): Data<Value>| {
            l2.push(format!("value binary={}", value.has_binary()))
        });
        let l2 = l.clone();
        s.on("v", move |Data(bytes): Data<Bytes>| {
            l2.push(format!("bytes {:?}", &bytes[..]))
        });
        let l2 = l.clone();
        s.on("v", move |Bin(all): Bin| {
            l2.push(format!("bin {}", all.len()))
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "v", args(vec![bin(&[1, 2])]), None);
    assert_eq!(log.take(), ["value binary=true", "bytes [1, 2]", "bin 1"]);
}

#[tokio::test(start_paused = true)]
async fn r2_2_binary_into_serde_json_value_skips_the_handler_and_try_data_gets_the_error() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l2 = l.clone();
        s.on("j", move |Data(_json): Data<serde_json::Value>| {
            l2.push("json handler called")
        });
        let l2 = l.clone();
        s.on("j", move |TryData(json): TryData<serde_json::Value>| {
            l2.push(format!("try error={}", json.is_err()))
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "j", args(vec![bin(&[1])]), None);
    assert_eq!(log.take(), ["try error=true"]);
    c.emit("/", "j", json!([{"plain": 1}]), None);
    assert_eq!(log.take(), ["json handler called", "try error=false"]);
}

// ----- msgpack parser -----

fn msgpack_echo() -> SocketIo {
    let io = SocketIo::builder().parser(MsgpackParser).build();
    io.on_connection(|s: SocketRef| {
        s.emit("auth", &s.handshake().auth);
        s.on("binary-back", |s: SocketRef, Args(a): Args| {
            s.emit_args("binary-back", a)
        });
        s.on("message-with-ack", |Args(a): Args, ack: AckSender| {
            ack.send_args(a)
        });
    });
    io
}

#[tokio::test(start_paused = true)]
async fn msgpack_connect_reply_is_one_binary_message() {
    let h = Harness::new(msgpack_echo());
    let c = h.client();
    c.connect_with("/", json!({"token": "t"}));
    let raw = c.raw_messages();
    assert_eq!(raw.len(), 2, "{raw:?}");
    assert!(raw.iter().all(|m| m.starts_with("<bin ")), "{raw:?}");
    let sid = c.expect_connect("/");
    assert_eq!(sid.len(), 20);
    assert_eq!(c.expect_event("/", "auth"), [v(json!({"token": "t"}))]);
}

#[tokio::test(start_paused = true)]
async fn msgpack_binary_stays_inline_both_ways() {
    let h = Harness::new(msgpack_echo());
    let c = h.client();
    c.join("/");
    c.received();
    c.raw_messages();
    c.emit(
        "/",
        "binary-back",
        args(vec![bin(&[1, 2]), v(json!({"k": 1}))]),
        None,
    );
    assert_eq!(c.raw_messages().len(), 1, "one message, no attachments");
    assert_eq!(
        c.expect_event("/", "binary-back"),
        [bin(&[1, 2]), v(json!({"k": 1}))]
    );
}

#[tokio::test(start_paused = true)]
async fn msgpack_acks_both_ways() {
    let h = Harness::new(msgpack_echo());
    let c = h.client();
    c.join("/");
    c.received();
    c.emit("/", "message-with-ack", json!(["x", 2]), Some(5));
    assert_eq!(c.expect_ack("/", 5), [v(json!("x")), v(json!(2))]);
    let fut = c.server_socket("/").emit_with_ack("q", &1);
    let (id, _) = c.expect_event_with_ack("/", "q");
    c.ack("/", id, args(vec![bin(&[3])]));
    assert_eq!(h.wait(fut).await.unwrap().args, [bin(&[3])]);
}

#[tokio::test(start_paused = true)]
async fn msgpack_invalid_namespace_and_refusal() {
    let io = msgpack_echo();
    io.of("/private").use_middleware(|_s: SocketRef| async {
        Err(socketio::MiddlewareError::new("nope").with_data(v(json!({"why": 1}))))
    });
    let h = Harness::new(io);
    let c = h.client();
    c.connect("/nowhere");
    assert_eq!(
        c.expect_connect_error("/nowhere"),
        v(json!({"message": "Invalid namespace"}))
    );
    c.connect("/private");
    assert_eq!(
        c.expect_connect_error("/private"),
        v(json!({"message": "nope", "data": {"why": 1}}))
    );
}

#[tokio::test(start_paused = true)]
async fn msgpack_text_message_closes_the_connection() {
    let h = Harness::new(msgpack_echo());
    let c = h.client();
    c.join("/");
    c.send_text(r#"2["x"]"#);
    assert!(!c.is_open());
}

#[tokio::test(start_paused = true)]
async fn msgpack_broadcast_and_rooms() {
    let h = Harness::new(msgpack_echo());
    let io = h.io();
    let a = h.client();
    let b = h.client();
    a.join("/");
    b.join("/");
    a.received();
    b.received();
    b.server_socket("/").join("r");
    io.to("r").emit("room-msg", &Bytes::from_static(&[1]));
    a.expect_nothing();
    assert_eq!(b.expect_event("/", "room-msg"), [bin(&[1])]);
}

// ----- re-emitting a part of the arguments -----

#[tokio::test(start_paused = true)]
async fn args_field_reemits_one_field_with_its_binary() {
    // Node: socket.on("upload", (m) => socket.emit("file", m.file)).
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on("upload", |s: SocketRef, args: Args| {
            s.emit("file", &args.field(0, "file"));
            s.emit("name", &args.field(0, "name"));
            s.emit("missing", &args.field(3, "file"));
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.raw_messages();
    let mut upload = socketio::Map::new();
    upload.insert("name".into(), Value::from("a.bin"));
    upload.insert("file".into(), bin(&[7, 8, 9]));
    c.emit("/", "upload", args(vec![Value::Object(upload)]), None);
    assert_eq!(
        c.raw_messages(),
        [
            r#"51-["file",{"_placeholder":true,"num":0}]"#,
            "<bin 07 08 09>",
            r#"2["name","a.bin"]"#,
            r#"2["missing",null]"#,
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn r2_2_data_value_keeps_binary_where_data_serde_json_value_refuses_it() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l2 = l.clone();
        s.on("f", move |Data(v): Data<Value>| {
            l2.push(format!(
                "value {:?}",
                v["file"].as_bytes().map(|b| b.to_vec())
            ))
        });
        let l2 = l.clone();
        s.on("f", move |Data(_): Data<serde_json::Value>| {
            l2.push("serde_json::Value handler called")
        });
        // Echoing a `Data<Value>` sends the binary back as binary.
        s.on("f", |s: SocketRef, Data(v): Data<Value>| s.emit("f", &v));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.raw_messages();
    let mut m = socketio::Map::new();
    m.insert("file".into(), bin(&[1, 2]));
    c.emit("/", "f", args(vec![Value::Object(m)]), None);
    assert_eq!(log.take(), ["value Some([1, 2])"]);
    assert_eq!(
        c.raw_messages(),
        [
            r#"51-["f",{"file":{"_placeholder":true,"num":0}}]"#,
            "<bin 01 02>"
        ]
    );
}
