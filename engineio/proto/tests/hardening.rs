//! Hardening rules of the state machine (issue 7): vanished peers are always cleaned up by the
//! timers, and no input grows a session's buffers without bound. Virtual clock, no sockets.

#![allow(clippy::unwrap_used)]

mod support;

use engineio_proto::codec::Data;
use engineio_proto::{CloseReason, Config, SendError};
use support::{fast_config, Client, V3, V4};

/// Puts a fresh polling session in some state.
type Setup = (&'static str, fn(&mut Client));

/// The longest a session can live with no input at all: every timer in a row.
fn max_idle_life(c: &Config) -> u64 {
    (c.ping_interval + c.ping_timeout + c.upgrade_timeout + c.close_timeout).as_millis() as u64
}

#[test]
fn polling_client_that_stops_polling_is_closed_by_ping_timeout() {
    for version in [V4, V3] {
        let mut c = Client::polling_open(fast_config(), version);
        c.advance_to(499);
        assert!(!c.session.is_closed(), "{version:?}");
        c.advance_to(500);
        assert_eq!(c.closed_reason(), CloseReason::PingTimeout, "{version:?}");
    }
}

#[test]
fn silent_websocket_is_closed_by_ping_timeout() {
    for version in [V4, V3] {
        let mut c = Client::websocket_open(fast_config(), version);
        c.advance_to(500);
        assert_eq!(c.closed_reason(), CloseReason::PingTimeout, "{version:?}");
    }
}

#[test]
fn abandoned_upgrade_is_dropped_then_the_session_times_out() {
    let mut c = Client::polling_open(fast_config(), V4);
    let ws = c.ws_open();
    c.ws_text(ws, "2probe");
    assert_eq!(c.ws_texts(ws), vec!["3probe"]);
    // no `5`, no more polling: the upgrade goes at upgrade_timeout, the session at ping timeout
    c.advance_to(1_000);
    assert_eq!(c.ws_close_code(ws), Some(None));
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}

#[test]
fn upgrade_websocket_that_never_probes_is_dropped() {
    let mut c = Client::polling_open(fast_config(), V4);
    let ws = c.ws_open();
    c.advance_to(c.config.upgrade_timeout.as_millis() as u64);
    assert_eq!(c.ws_close_code(ws), Some(None));
}

#[test]
fn server_close_on_polling_without_a_get_ends_at_close_timeout() {
    let mut c = Client::polling_open(fast_config(), V4);
    c.session.close(c.now);
    c.drain();
    assert!(!c.session.is_closed());
    c.advance_to(c.config.close_timeout.as_millis() as u64);
    assert_eq!(c.closed_reason(), CloseReason::ForcedClose);
}

#[test]
fn every_idle_session_ends_within_the_sum_of_its_timers() {
    let config = fast_config();
    let life = max_idle_life(&config);
    let setups: [Setup; 5] = [
        ("polling", |_| {}),
        ("held GET", |c| {
            c.get();
        }),
        ("upgrading", |c| {
            let ws = c.ws_open();
            c.ws_text(ws, "2probe");
        }),
        ("upgraded", |c| {
            let ws = c.ws_open();
            c.ws_text(ws, "2probe");
            c.ws_text(ws, "5");
        }),
        ("closing", |c| {
            c.session.send(Data::Text("x".into())).unwrap();
            c.session.close(c.now);
            c.drain();
        }),
    ];
    for version in [V4, V3] {
        for (name, setup) in &setups {
            let mut c = Client::polling_open(config.clone(), version);
            setup(&mut c);
            c.advance_to(life);
            assert!(
                c.session.is_closed(),
                "{name} ({version:?}) still open after {life} ms"
            );
            assert_eq!(c.session.poll_timeout(), None);
        }
    }
}

#[test]
fn v3_pings_posted_without_polling_queue_a_bounded_number_of_pongs() {
    let config = Config {
        max_buffered_packets: 8,
        ..fast_config()
    };
    let mut c = Client::polling_open(config, V3);
    // 300 pings in one POST, 3 POSTs: one pong each up to the limit (as Node), not 900
    for _ in 0..3 {
        assert_eq!(c.post(&"1:2".repeat(300)).status, 200);
    }
    assert_eq!(c.poll(), "1:3".repeat(8));
    // a full buffer of messages still leaves room for one pong
    let mut c = Client::polling_open(
        Config {
            max_buffered_packets: 2,
            ..fast_config()
        },
        V3,
    );
    c.session.send(Data::Text("a".into())).unwrap();
    c.session.send(Data::Text("b".into())).unwrap();
    assert_eq!(c.post(&"1:2".repeat(5)).status, 200);
    assert_eq!(c.poll(), "2:4a2:4b1:3");
}

#[test]
fn buffer_is_bounded_and_a_full_buffer_refuses_sends() {
    let config = Config {
        max_buffered_packets: 8,
        ..fast_config()
    };
    let mut c = Client::polling_open(config, V4);
    for i in 0..8 {
        c.session.send(Data::Text(format!("{i}").into())).unwrap();
    }
    for _ in 0..100 {
        assert_eq!(c.session.send(Data::Text("x".into())), Err(SendError::Full));
    }
    c.drain();
    assert_eq!(c.poll().split('\x1e').count(), 8);
    // the vanished peer's session still ends on time
    c.advance_to(500);
    assert_eq!(c.closed_reason(), CloseReason::PingTimeout);
}
