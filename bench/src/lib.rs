//! `bench`: end-to-end benchmarks of the Socket.IO server, side by side with Node's `socket.io`
//! and a raw websocket ceiling.
//!
//! This crate sits on top of everything (it depends on `socketio` and `conformance`, nothing
//! depends on it). It holds four binaries and the code they share:
//!
//! - `bench-server`: our server with the fixed benchmark contract (`echo` acks its arguments,
//!   `broadcast` emits `msg` to the whole namespace), through any integration.
//! - `raw-server`: the ceiling, a tokio-tungstenite server answering the same wire packets by
//!   string manipulation, with no Socket.IO layer.
//! - `loadgen`: a single-threaded load generator speaking Engine.IO v4 / Socket.IO v5 itself
//!   ([`client`]), running one [`scenarios::Scenario`] and printing one JSON line.
//! - `bench-report`: medians and ratios of a JSON-lines results file ([`report`]).
//!
//! `bench/run.sh` drives them; see `bench/README.md`.
//!
//! ```
//! use bench::stats::Histogram;
//!
//! let mut h = Histogram::default();
//! for us in 1..=1000 {
//!     h.record(us);
//! }
//! assert_eq!(h.count(), 1000);
//! assert!((490..=510).contains(&h.percentile(50.0)));
//! ```

pub mod client;
pub mod proc;
pub mod recovery;
pub mod report;
pub mod scenarios;
pub mod stats;
