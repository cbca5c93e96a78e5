//! Acknowledgements both ways (protocol.md §2.4 "Acks"): the server's ack ids, the client's
//! answers, timeouts on the virtual clock (entries of the connection's timer table), answers
//! after a disconnect, and the "first answer only" rule.

#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use socketio::{AckError, AckSender, Data, EmitError, SocketIo, SocketRef};
use support::{bin, ms, v, Harness, Log};

fn ack_server() -> SocketIo {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on(
            "message-with-ack",
            |socketio::Args(args), ack: AckSender| ack.send_args(args),
        );
        s.on("empty", |ack: AckSender| ack.send_empty());
        s.on("twice", |ack: AckSender| {
            ack.clone().send(&"first");
            ack.send(&"second");
        });
        s.on(
            "ask-me",
            |s: SocketRef, Data(arg): Data<socketio::Value>, ack: AckSender| async move {
                match s.timeout(ms(500)).emit_with_ack("ask", &arg).await {
                    Ok(answer) => ack.send(
                        &json!({"answer": serde_json::Value::try_from(answer.first()).unwrap()}),
                    ),
                    Err(e) => ack.send(&json!({"error": e.to_string()})),
                }
            },
        );
    });
    io
}

// ----- the client asks, the server answers -----

#[tokio::test(start_paused = true)]
async fn r2_4_server_answers_with_the_client_ack_id() {
    let h = Harness::new(ack_server());
    let c = h.client();
    c.join("/");
    c.emit(
        "/",
        "message-with-ack",
        json!([1, "two", {"three": 3}]),
        Some(12),
    );
    assert_eq!(c.received_wire(), [r#"312[1,"two",{"three":3}]"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_large_ack_ids_are_echoed() {
    let h = Harness::new(ack_server());
    let c = h.client();
    c.join("/");
    c.emit("/", "message-with-ack", json!([]), Some(4_294_967_296));
    assert_eq!(c.received_wire(), ["34294967296[]"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_send_empty_answers_an_empty_array() {
    let h = Harness::new(ack_server());
    let c = h.client();
    c.join("/");
    c.emit("/", "empty", json!([]), Some(0));
    assert_eq!(c.received_wire(), ["30[]"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_only_the_first_ack_answer_is_sent() {
    let h = Harness::new(ack_server());
    let c = h.client();
    c.join("/");
    c.emit("/", "twice", json!([]), Some(5));
    assert_eq!(c.received_wire(), [r#"35["first"]"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_listeners_of_one_event_share_one_ack() {
    let io = SocketIo::new(Default::default());
    io.on_connection(|s: SocketRef| {
        s.on("q", |ack: AckSender| ack.send(&"from first listener"));
        s.on("q", |ack: AckSender| ack.send(&"from second listener"));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "q", json!([]), Some(1));
    assert_eq!(c.received_wire(), [r#"31["from first listener"]"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_answering_an_event_without_ack_id_sends_nothing() {
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let l = log.clone();
    io.on_connection(move |s: SocketRef| {
        let l = l.clone();
        s.on("no-ack", move |ack: AckSender| {
            l.push(format!("expected {}", ack.expected()));
            ack.send(&1);
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "no-ack", json!([]), None);
    c.expect_nothing();
    assert_eq!(log.take(), ["expected false"]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_ack_in_another_namespace_carries_the_namespace() {
    let io = ack_server();
    io.of("/custom").on_connection(|s: SocketRef| {
        s.on("m", |ack: AckSender| ack.send(&"c"));
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/custom");
    c.emit("/custom", "m", json!([]), Some(13));
    assert_eq!(c.received_wire(), [r#"3/custom,13["c"]"#]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_ack_answered_later_by_an_async_handler() {
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let io = SocketIo::new(Default::default());
    let g = gate.clone();
    io.on_connection(move |s: SocketRef| {
        let g = g.clone();
        s.on("slow", move |ack: AckSender| {
            let g = g.clone();
            async move {
                g.notified().await;
                ack.send(&"done");
            }
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "slow", json!([]), Some(3));
    h.settle().await;
    c.expect_nothing();
    gate.notify_one();
    h.settle().await;
    assert_eq!(c.received_wire(), [r#"33["done"]"#]);
}

// ----- the server asks, the client answers -----

#[tokio::test(start_paused = true)]
async fn r2_4_client_answer_resolves_the_server_emit_with_ack() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c.server_socket("/").emit_with_ack("question", &42);
    assert_eq!(c.received_wire(), [r#"20["question",42]"#]);
    c.ack("/", 0, json!(["answer", 1]));
    let answer = h.wait(fut).await.unwrap();
    assert_eq!(answer.args, [v(json!("answer")), v(json!(1))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_server_ack_ids_are_a_per_namespace_counter_from_zero() {
    let h = Harness::default_server();
    let io = h.io();
    io.of("/other");
    let a = h.client();
    let b = h.client();
    a.join("/");
    b.join("/");
    a.join("/other");
    let _f1 = a.server_socket("/").emit_with_ack("q", &1);
    let _f2 = b.server_socket("/").emit_with_ack("q", &2);
    let _f3 = a.server_socket("/").emit_with_ack("q", &3);
    let _f4 = a.server_socket("/other").emit_with_ack("q", &4);
    assert_eq!(a.expect_event_with_ack("/", "q").0, 0);
    assert_eq!(b.expect_event_with_ack("/", "q").0, 1);
    assert_eq!(a.expect_event_with_ack("/", "q").0, 2);
    assert_eq!(a.expect_event_with_ack("/other", "q").0, 0);
}

#[tokio::test(start_paused = true)]
async fn r2_4_pending_acks_are_matched_by_id_in_any_order() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    let first = s.emit_with_ack("q", &"a");
    let second = s.emit_with_ack("q", &"b");
    let (id_a, _) = c.expect_event_with_ack("/", "q");
    let (id_b, _) = c.expect_event_with_ack("/", "q");
    assert_ne!(id_a, id_b);
    c.ack("/", id_b, json!(["B"]));
    c.ack("/", id_a, json!(["A"]));
    assert_eq!(h.wait(first).await.unwrap().first(), v(json!("A")));
    assert_eq!(h.wait(second).await.unwrap().first(), v(json!("B")));
}

#[tokio::test(start_paused = true)]
async fn r2_4_second_answer_and_unknown_ids_are_ignored() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c.server_socket("/").emit_with_ack("q", &());
    let (id, _) = c.expect_event_with_ack("/", "q");
    c.ack("/", id, json!([1]));
    c.ack("/", id, json!([2]));
    c.ack("/", 999, json!([3]));
    assert_eq!(h.wait(fut).await.unwrap().first(), v(json!(1)));
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_binary_ack_from_the_client_keeps_its_bytes() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c.server_socket("/").emit_with_ack("file?", &());
    let (id, _) = c.expect_event_with_ack("/", "file?");
    c.ack("/", id, socketio::Value::Array(vec![bin(&[1, 2, 3])]));
    let answer = h.wait(fut).await.unwrap();
    assert_eq!(answer.args, [bin(&[1, 2, 3])]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_ack_answer_deserializes_into_a_type() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c.server_socket("/").emit_with_ack("sum?", &[1, 2]);
    c.ack("/", 0, json!([3]));
    assert_eq!(h.wait(fut.deserialize::<i64>()).await.unwrap(), 3);
}

// ----- timeouts on the virtual clock -----

#[tokio::test(start_paused = true)]
async fn r2_4_ack_timeout_fires_on_the_virtual_clock() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let mut fut = Box::pin(
        c.server_socket("/")
            .timeout(ms(500))
            .emit_with_ack("q", &()),
    );
    h.settle().await;
    assert_eq!(
        h.next_deadline_ms(),
        Some(500),
        "the ack deadline is a connection timer"
    );
    h.advance(499).await;
    assert!(h.still_pending(&mut fut).await);
    h.advance(1).await;
    assert!(matches!(h.wait(fut).await, Err(AckError::Timeout)));
    assert_eq!(h.next_deadline_ms(), None);
}

#[tokio::test(start_paused = true)]
async fn r2_4_default_ack_timeout_is_the_configured_one() {
    let h = Harness::new(SocketIo::builder().ack_timeout(ms(2_000)).build());
    let c = h.client();
    c.join("/");
    let mut fut = Box::pin(c.server_socket("/").emit_with_ack("q", &()));
    h.advance(1_999).await;
    assert!(h.still_pending(&mut fut).await);
    h.advance(1).await;
    assert!(matches!(h.wait(fut).await, Err(AckError::Timeout)));
}

#[tokio::test(start_paused = true)]
async fn r2_4_answer_after_the_timeout_is_ignored() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c
        .server_socket("/")
        .timeout(ms(100))
        .emit_with_ack("q", &());
    let (id, _) = c.expect_event_with_ack("/", "q");
    h.advance(100).await;
    c.ack("/", id, json!(["late"]));
    assert!(matches!(h.wait(fut).await, Err(AckError::Timeout)));
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn r2_4_answer_before_the_timeout_disarms_it() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c
        .server_socket("/")
        .timeout(ms(100))
        .emit_with_ack("q", &());
    c.ack("/", 0, json!(["in time"]));
    assert_eq!(h.next_deadline_ms(), None);
    h.advance(1_000).await;
    assert_eq!(h.wait(fut).await.unwrap().first(), v(json!("in time")));
}

#[tokio::test(start_paused = true)]
async fn r2_4_async_handler_awaits_the_client_answer() {
    let h = Harness::new(ack_server());
    let c = h.client();
    c.join("/");
    c.emit("/", "ask-me", json!(["x"]), Some(7));
    h.settle().await;
    let (id, args) = c.expect_event_with_ack("/", "ask");
    assert_eq!(args, [v(json!("x"))]);
    c.ack("/", id, json!(["yes"]));
    h.settle().await;
    assert_eq!(c.expect_ack("/", 7), [v(json!({"answer": "yes"}))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_async_handler_sees_the_timeout() {
    let h = Harness::new(ack_server());
    let c = h.client();
    c.join("/");
    c.emit("/", "ask-me", json!(["x"]), Some(8));
    h.settle().await;
    c.expect_event_with_ack("/", "ask");
    h.advance(500).await;
    assert_eq!(
        c.expect_ack("/", 8),
        [v(json!({"error": "operation has timed out"}))]
    );
}

// ----- acks and disconnection -----

#[tokio::test(start_paused = true)]
async fn r2_4_pending_ack_fails_when_the_socket_leaves() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c.server_socket("/").emit_with_ack("q", &());
    h.settle().await;
    c.disconnect("/");
    assert!(matches!(h.wait(fut).await, Err(AckError::Disconnected)));
    assert_eq!(h.next_deadline_ms(), None, "its deadline went with it");
}

#[tokio::test(start_paused = true)]
async fn r2_4_pending_ack_fails_when_the_connection_closes() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let fut = c.server_socket("/").emit_with_ack("q", &());
    h.settle().await;
    c.close_transport();
    assert!(matches!(h.wait(fut).await, Err(AckError::Disconnected)));
}

#[tokio::test(start_paused = true)]
async fn r2_4_emit_with_ack_after_disconnect_fails_at_once() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    c.disconnect("/");
    assert!(matches!(
        h.wait(s.emit_with_ack("q", &())).await,
        Err(AckError::Disconnected)
    ));
    c.expect_nothing();
}

#[tokio::test(start_paused = true)]
async fn r2_4_ack_to_a_client_that_left_is_not_sent() {
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    let log = Log::new();
    let io = SocketIo::new(Default::default());
    let (g, l) = (gate.clone(), log.clone());
    io.on_connection(move |s: SocketRef| {
        let (g, l) = (g.clone(), l.clone());
        s.on("slow", move |ack: AckSender| {
            let (g, l) = (g.clone(), l.clone());
            async move {
                g.notified().await;
                l.push(format!("{:?}", ack.try_send(&"late").err()));
            }
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/");
    c.emit("/", "slow", json!([]), Some(1));
    h.settle().await;
    c.disconnect("/");
    gate.notify_one();
    h.settle().await;
    c.expect_nothing();
    assert_eq!(log.take(), [format!("{:?}", Some(EmitError::Disconnected))]);
}

#[tokio::test(start_paused = true)]
async fn r2_4_emit_with_ack_of_a_reserved_name_fails() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let res = h
        .wait(c.server_socket("/").emit_with_ack("disconnect", &()))
        .await;
    assert!(matches!(
        res,
        Err(AckError::Emit(EmitError::ReservedEvent(ref n))) if n == "disconnect"
    ));
    c.expect_nothing();
}

#[tokio::test(start_paused = true)]
async fn r2_4_emit_with_ack_on_a_full_queue_fails_and_sends_nothing() {
    let h = Harness::default_server();
    let max = h.io().config().engine.max_buffered_packets;
    let c = h.client();
    c.join("/");
    c.set_buffered(max);
    let res = h.wait(c.server_socket("/").emit_with_ack("q", &())).await;
    assert!(
        matches!(res, Err(AckError::Emit(EmitError::QueueFull))),
        "{res:?}"
    );
    c.set_buffered(0);
    c.expect_nothing();
}
