//! The `socketio_socket` span: what a socket's handlers log (sync, and async ones that went on
//! as tasks) carries the namespace and the socket id, and the lifecycle events say what
//! happened with Node's reasons. A `tracing-subscriber` fmt subscriber writes to a buffer, set
//! for this thread (the harness runs everything on the test's current-thread runtime).

#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::json;
use socketio::{SocketIo, SocketRef};
use support::Harness;

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

impl Buffer {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock())
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The one line containing `text`.
    fn line(&self, text: &str) -> String {
        let lines = self.lines();
        let found: Vec<&String> = lines.iter().filter(|l| l.contains(text)).collect();
        assert_eq!(
            found.len(),
            1,
            "one line with {text:?} in:\n{}",
            lines.join("\n")
        );
        found[0].clone()
    }
}

#[tokio::test(start_paused = true)]
async fn socket_span_on_handler_logs_and_lifecycle_events() {
    let out = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(out.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let io = SocketIo::new(Default::default());
    io.ns("/chat", |s: SocketRef| {
        s.on("hello", |_s: SocketRef| tracing::info!("hello handled"));
        s.on("later", |_s: SocketRef| async move {
            tokio::task::yield_now().await;
            tracing::info!("async handler ran after an await");
        });
    });
    let h = Harness::new(io);
    let c = h.client();
    c.join("/chat");
    let id = c.server_socket("/chat").id();
    c.emit("/chat", "hello", json!([]), None);
    c.emit("/chat", "later", json!([]), None);
    h.settle().await;
    c.close_transport();
    h.settle().await;

    let span = format!("socketio_socket{{nsp=/chat id={id}}}");
    for text in [
        "socket connected",
        "hello handled",
        "async handler ran after an await",
        "socket disconnected",
    ] {
        let line = out.line(text);
        assert!(line.contains(&span), "{line:?} is in {span}");
    }
    assert!(out.line("socket disconnected").contains("transport close"));
    assert!(out.line("socket connected").contains("DEBUG"));
}
