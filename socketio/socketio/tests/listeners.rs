//! Listeners of a socket: several per event (`on` adds), `once`, `off`, `off_all`, catch-all
//! listeners in both directions, packet middlewares (`socket.use`), extractors, and when a
//! registration takes effect.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use serde_json::json;
use socketio::codec::Packet;
use socketio::{
    Args, Bin, Data, EmitError, EventName, IncomingEvent, MiddlewareError, Namespace, SocketIo,
    SocketRef, TryData, Value,
};
use support::{event_packet, v, Harness, Log};
use tokio::sync::Notify;

/// A server whose connection handler is `setup(socket, log)`.
fn server(log: &Log, setup: impl Fn(&SocketRef, &Log) + Send + Sync + 'static) -> Harness {
    let io = SocketIo::new(Default::default());
    let log = log.clone();
    io.on_connection(move |s: SocketRef| setup(&s, &log));
    Harness::new(io)
}

fn logger(log: &Log, tag: &'static str) -> impl Fn(EventName, Args) + Send + Sync + 'static {
    let log = log.clone();
    move |EventName(name): EventName, Args(args): Args| {
        log.push(format!(
            "{tag} {name} {}",
            serde_json::to_string(&args).unwrap()
        ))
    }
}

// ----- on / once / off -----

#[tokio::test(start_paused = true)]
async fn listeners_on_adds_a_listener_and_all_run_in_order() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.on("ev", logger(log, "first"));
        s.on("ev", logger(log, "second"));
        s.on("ev", logger(log, "third"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([1]), None);
    assert_eq!(
        log.take(),
        ["first ev [1]", "second ev [1]", "third ev [1]"]
    );
    c.emit("/", "ev", json!([2]), None);
    assert_eq!(
        log.take(),
        ["first ev [2]", "second ev [2]", "third ev [2]"]
    );
}

#[tokio::test(start_paused = true)]
async fn listeners_once_runs_for_the_next_event_only() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.once("ev", logger(log, "once"));
        s.on("ev", logger(log, "always"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([]), None);
    c.emit("/", "ev", json!([]), None);
    assert_eq!(log.take(), ["once ev []", "always ev []", "always ev []"]);
}

#[tokio::test(start_paused = true)]
async fn listeners_off_removes_one_listener() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let id = s.on("ev", logger(log, "removed"));
        s.on("ev", logger(log, "kept"));
        s.off("ev", id);
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([]), None);
    assert_eq!(log.take(), ["kept ev []"]);
}

#[tokio::test(start_paused = true)]
async fn listeners_off_all_removes_every_listener_of_the_event() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.on("ev", logger(log, "a"));
        s.on("ev", logger(log, "b"));
        s.on("other", logger(log, "c"));
        s.off_all("ev");
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([]), None);
    c.emit("/", "other", json!([]), None);
    assert_eq!(log.take(), ["c other []"]);
}

#[tokio::test(start_paused = true)]
async fn listeners_off_during_dispatch_applies_from_the_next_event() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let second = Arc::new(parking_lot::Mutex::new(None));
        let sec = second.clone();
        let l = log.clone();
        s.on("ev", move |s: SocketRef| {
            l.push("first");
            if let Some(id) = sec.lock().take() {
                s.off("ev", id);
            }
        });
        let l = log.clone();
        *second.lock() = Some(s.on("ev", move || l.push("second")));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([]), None);
    assert_eq!(
        log.take(),
        ["first", "second"],
        "the running emit keeps its listeners"
    );
    c.emit("/", "ev", json!([]), None);
    assert_eq!(log.take(), ["first"]);
}

#[tokio::test(start_paused = true)]
async fn listeners_registered_in_the_connection_handler_get_events_of_the_same_batch() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.on("early", logger(log, "listener"));
    });
    let c = h.client();
    // One polling POST: `40` then `42["early"]`.
    c.send_batch(&[
        Packet::connect("/", None),
        event_packet("/", "early", v(json!(["x"])), None),
    ]);
    c.expect_connect("/");
    assert_eq!(log.take(), [r#"listener early ["x"]"#]);
}

#[tokio::test(start_paused = true)]
async fn listeners_registered_by_a_handler_apply_to_the_next_packet_of_the_batch() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        s.on("register", move |s: SocketRef| {
            s.on("later", logger(&l, "new"));
        });
    });
    let c = h.client();
    c.join("/");
    c.send_batch(&[
        event_packet("/", "register", v(json!([])), None),
        event_packet("/", "later", v(json!([1])), None),
    ]);
    assert_eq!(log.take(), ["new later [1]"]);
}

#[tokio::test(start_paused = true)]
async fn listeners_an_event_without_listener_is_ignored() {
    let log = Log::new();
    let h = server(&log, |_, _| {});
    let c = h.client();
    c.join("/");
    c.emit("/", "nobody-listens", json!([1]), Some(4));
    c.expect_nothing();
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn listeners_sync_handlers_run_in_arrival_order_across_events() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.on("a", logger(log, "h"));
        s.on("b", logger(log, "h"));
    });
    let c = h.client();
    c.join("/");
    c.send_batch(&[
        event_packet("/", "a", v(json!([1])), None),
        event_packet("/", "b", v(json!([2])), None),
        event_packet("/", "a", v(json!([3])), None),
    ]);
    assert_eq!(log.take(), ["h a [1]", "h b [2]", "h a [3]"]);
}

#[tokio::test(start_paused = true)]
async fn listeners_async_handlers_start_in_order_and_interleave_at_awaits() {
    let gate = Arc::new(Notify::new());
    let log = Log::new();
    let g = gate.clone();
    let h = server(&log, move |s, log| {
        let (g, l) = (g.clone(), log.clone());
        s.on("ev", move |Data(n): Data<u32>| {
            let (g, l) = (g.clone(), l.clone());
            async move {
                l.push(format!("start {n}"));
                g.notified().await;
                l.push(format!("end {n}"));
            }
        });
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([1]), None);
    c.emit("/", "ev", json!([2]), None);
    h.settle().await;
    assert_eq!(log.take(), ["start 1", "start 2"]);
    gate.notify_waiters();
    h.settle().await;
    let mut ends = log.take();
    ends.sort();
    assert_eq!(ends, ["end 1", "end 2"]);
}

// ----- catch-all listeners -----

#[tokio::test(start_paused = true)]
async fn any_listeners_run_before_the_event_listeners() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.on("ev", logger(log, "listener"));
        let l = log.clone();
        s.on_any(move |_, name, args| l.push(format!("any {name} {}", args.len())));
        let l = log.clone();
        s.prepend_any(move |_, name, _| l.push(format!("prepended {name}")));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([1, 2]), None);
    c.emit("/", "no-listener", json!([]), None);
    assert_eq!(
        log.take(),
        [
            "prepended ev",
            "any ev 2",
            "listener ev [1,2]",
            "prepended no-listener",
            "any no-listener 0",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn any_listeners_are_removed_by_off_any() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        let a = s.on_any(move |_, name, _| l.push(format!("a {name}")));
        let l = log.clone();
        s.on_any(move |_, name, _| l.push(format!("b {name}")));
        let l = log.clone();
        s.on("drop-all", move |s: SocketRef| {
            l.push("dropping all");
            s.off_any_all();
        });
        s.off_any(a);
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "x", json!([]), None);
    c.emit("/", "drop-all", json!([]), None);
    c.emit("/", "y", json!([]), None);
    assert_eq!(log.take(), ["b x", "b drop-all", "dropping all"]);
}

#[tokio::test(start_paused = true)]
async fn any_outgoing_sees_emits_and_broadcasts_but_not_acks() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        s.on_any_outgoing(move |_, name, args| l.push(format!("out {name} {}", args.len())));
        let l = log.clone();
        s.prepend_any_outgoing(move |_, name, _| l.push(format!("first-out {name}")));
        s.emit("auth", &json!({}));
        s.on("ack-me", |ack: socketio::AckSender| ack.send(&1));
    });
    let io = h.io();
    let c = h.client();
    c.join("/");
    h.settle().await;
    c.emit("/", "ack-me", json!([]), Some(1));
    let s = c.server_socket("/");
    let _pending = s.emit_with_ack("with-ack", &());
    io.emit("broadcast", &(1, 2));
    s.join("r");
    io.to("r").emit("to-room", &());
    h.settle().await;
    assert_eq!(
        log.take(),
        [
            "first-out auth",
            "out auth 1",
            "first-out with-ack",
            "out with-ack 1",
            "first-out broadcast",
            "out broadcast 1",
            "first-out to-room",
            "out to-room 1",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn any_outgoing_is_removed_by_off_any_outgoing() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        let id = s.on_any_outgoing(move |_, name, _| l.push(format!("out {name}")));
        s.emit("seen", &());
        s.on("stop", move |s: SocketRef| s.off_any_outgoing(id));
    });
    let c = h.client();
    c.join("/");
    h.settle().await;
    c.emit("/", "stop", json!([]), None);
    c.server_socket("/").emit("unseen", &());
    h.settle().await;
    assert_eq!(log.take(), ["out seen"]);
}

#[tokio::test(start_paused = true)]
async fn any_outgoing_are_all_removed_by_off_any_outgoing_all() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        s.on_any_outgoing(move |_, name, _| l.push(format!("a {name}")));
        let l = log.clone();
        s.prepend_any_outgoing(move |_, name, _| l.push(format!("b {name}")));
        s.emit("seen", &());
        s.on("stop", move |s: SocketRef| s.off_any_outgoing_all());
    });
    let c = h.client();
    c.join("/");
    h.settle().await;
    c.emit("/", "stop", json!([]), None);
    c.server_socket("/").emit("unseen", &());
    h.settle().await;
    assert_eq!(log.take(), ["b seen", "a seen"]);
}

// ----- packet middlewares (socket.use) -----

fn upper_middleware(s: &SocketRef) {
    s.use_middleware(|_s, mut ev: IncomingEvent| async move {
        for arg in &mut ev.args {
            if let Some(text) = arg.as_str() {
                *arg = Value::from(text.to_uppercase());
            }
        }
        Ok(ev)
    });
}

#[tokio::test(start_paused = true)]
async fn use_middleware_may_change_the_arguments() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        upper_middleware(s);
        s.on("say", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "say", json!(["hello", 1]), None);
    assert_eq!(log.take(), [r#"listener say ["HELLO",1]"#]);
}

#[tokio::test(start_paused = true)]
async fn use_middlewares_run_in_order_each_seeing_the_previous_change() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        upper_middleware(s);
        let l = log.clone();
        s.use_middleware(move |_s, mut ev: IncomingEvent| {
            let l = l.clone();
            async move {
                l.push(format!("second sees {:?}", ev.args[0].as_str()));
                ev.args.push(Value::from("added"));
                Ok(ev)
            }
        });
        s.on("say", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "say", json!(["hi"]), None);
    assert_eq!(
        log.take(),
        [
            r#"second sees Some("HI")"#,
            r#"listener say ["HI","added"]"#
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn use_middleware_refusal_reaches_the_error_listeners_only() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.use_middleware(|_s, ev: IncomingEvent| async move {
            if ev.event == "forbidden" {
                Err(MiddlewareError::new("not allowed").with_data(v(json!({"e": ev.event}))))
            } else {
                Ok(ev)
            }
        });
        let l = log.clone();
        s.on_error(move |_, err| {
            l.push(format!(
                "error {} {}",
                err.message,
                serde_json::to_string(&err.data).unwrap()
            ))
        });
        s.on("forbidden", logger(log, "listener"));
        s.on("fine", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "forbidden", json!([]), Some(1));
    c.emit("/", "fine", json!([]), None);
    assert_eq!(
        log.take(),
        [r#"error not allowed {"e":"forbidden"}"#, "listener fine []"]
    );
    c.expect_nothing();
    assert!(c.is_open());
}

#[tokio::test(start_paused = true)]
async fn use_any_listeners_see_the_event_before_the_packet_middlewares() {
    // Node's `onevent` calls the catch-all listeners with the received arguments, then runs
    // `socket.use` middlewares: they see refused events too, unchanged.
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        s.on_any(move |_, name, args| {
            l.push(format!(
                "any {name} {}",
                serde_json::to_string(args).unwrap()
            ))
        });
        upper_middleware(s);
        s.use_middleware(|_s, ev: IncomingEvent| async move {
            if ev.event == "refused" {
                Err(MiddlewareError::new("no"))
            } else {
                Ok(ev)
            }
        });
        s.on("say", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "say", json!(["a"]), None);
    c.emit("/", "refused", json!(["b"]), None);
    assert_eq!(
        log.take(),
        [
            r#"any say ["a"]"#,
            r#"listener say ["A"]"#,
            r#"any refused ["b"]"#,
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn use_async_middleware_delays_the_event() {
    let gate = Arc::new(Notify::new());
    let log = Log::new();
    let g = gate.clone();
    let h = server(&log, move |s, log| {
        let g = g.clone();
        s.use_middleware(move |_s, ev: IncomingEvent| {
            let g = g.clone();
            async move {
                g.notified().await;
                Ok(ev)
            }
        });
        s.on("ev", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([1]), None);
    h.settle().await;
    assert!(log.take().is_empty());
    gate.notify_one();
    h.settle().await;
    assert_eq!(log.take(), ["listener ev [1]"]);
}

#[tokio::test(start_paused = true)]
async fn use_events_passing_an_async_middleware_are_dispatched_as_they_complete() {
    // Documented on `use_middleware`: "events that passed are dispatched as they complete", so
    // an event its middleware lets through at once overtakes one that is still being checked.
    let gate = Arc::new(Notify::new());
    let log = Log::new();
    let g = gate.clone();
    let h = server(&log, move |s, log| {
        let g = g.clone();
        s.use_middleware(move |_s, ev: IncomingEvent| {
            let g = g.clone();
            async move {
                if ev.event == "slow" {
                    g.notified().await;
                }
                Ok(ev)
            }
        });
        s.on("slow", logger(log, "listener"));
        s.on("fast", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "slow", json!([]), None);
    c.emit("/", "fast", json!([]), None);
    h.settle().await;
    assert_eq!(log.take(), ["listener fast []"]);
    gate.notify_one();
    h.settle().await;
    assert_eq!(log.take(), ["listener slow []"]);
}

#[tokio::test(start_paused = true)]
async fn use_async_refusal_reaches_the_error_listeners() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        s.use_middleware(|_s, _ev: IncomingEvent| async move {
            tokio::task::yield_now().await;
            Err(MiddlewareError::new("later no"))
        });
        let l = log.clone();
        s.on_error(move |_, err| l.push(format!("error {err}")));
        s.on("ev", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([]), None);
    h.settle().await;
    assert_eq!(log.take(), ["error later no"]);
}

#[tokio::test(start_paused = true)]
async fn use_event_checked_after_the_socket_left_is_dropped() {
    let gate = Arc::new(Notify::new());
    let log = Log::new();
    let g = gate.clone();
    let h = server(&log, move |s, log| {
        let g = g.clone();
        s.use_middleware(move |_s, ev: IncomingEvent| {
            let g = g.clone();
            async move {
                g.notified().await;
                Ok(ev)
            }
        });
        s.on("ev", logger(log, "listener"));
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "ev", json!([]), None);
    h.settle().await;
    c.disconnect("/");
    gate.notify_one();
    h.settle().await;
    assert!(log.take().is_empty());
}

#[tokio::test(start_paused = true)]
async fn use_middleware_keeps_the_ack() {
    let h = server(&Log::new(), |s, _| {
        upper_middleware(s);
        s.on("echo", |Args(args): Args, ack: socketio::AckSender| {
            ack.send_args(args)
        });
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "echo", json!(["x"]), Some(9));
    assert_eq!(c.received_wire(), [r#"39["X"]"#]);
}

// ----- extractors -----

#[tokio::test(start_paused = true)]
async fn extractors_give_the_parts_of_an_event() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        s.on(
            "parts",
            move |s: SocketRef, nsp: Namespace, EventName(name): EventName, Bin(bins): Bin| {
                l.push(format!("{} {} {name} {}", s.ns(), nsp.name(), bins.len()))
            },
        );
        let l = log.clone();
        s.on("typed", move |Data((a, b)): Data<(i64, String)>| {
            l.push(format!("typed {a} {b}"))
        });
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "parts", json!([1]), None);
    c.emit("/", "typed", json!([7, "x"]), None);
    assert_eq!(log.take(), ["/ / parts 0", "typed 7 x"]);
}

#[tokio::test(start_paused = true)]
async fn extractors_a_mismatch_skips_data_handlers_and_tells_try_data() {
    let log = Log::new();
    let h = server(&log, |s, log| {
        let l = log.clone();
        s.on("n", move |Data(n): Data<u32>| l.push(format!("data {n}")));
        let l = log.clone();
        s.on("n", move |TryData(n): TryData<u32>| {
            l.push(format!("try {}", if n.is_ok() { "ok" } else { "err" }))
        });
    });
    let c = h.client();
    c.join("/");
    c.emit("/", "n", json!([5]), None);
    c.emit("/", "n", json!(["not a number"]), None);
    assert_eq!(log.take(), ["data 5", "try ok", "try err"]);
}

// ----- reserved names -----

#[tokio::test(start_paused = true)]
async fn reserved_event_names_are_refused_on_emit() {
    let h = Harness::default_server();
    let c = h.client();
    c.join("/");
    let s = c.server_socket("/");
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        match s.try_emit(name, &()) {
            Err(EmitError::ReservedEvent(n)) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
        assert!(matches!(
            s.volatile().try_emit(name, &()),
            Err(EmitError::ReservedEvent(_))
        ));
    }
    s.emit("disconnect", &());
    c.expect_nothing();
    assert!(s.try_emit("message", &()).is_ok());
    c.expect_event("/", "message");
}
