//! The load generator's scenarios. Each runs on the current thread (a `LocalSet` of a
//! current-thread runtime: the load generator is pinned to one core and must not pay for
//! cross-thread synchronisation) and returns an [`Outcome`]: its figures, plus the CPU share
//! of the load generator and of the server over the measured window.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::client::{BoxError, PollingClient, SioClient};
use crate::proc::{rss_kib, CpuMeter};
use crate::stats::Histogram;

/// A scenario and its defaults. Names are the `--scenario` values of `loadgen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// `connect`: connect N clients (default 1000), 50 handshakes in flight; rate and time to
    /// namespace joined.
    Connect,
    /// `echo-1`: one client, one ack in flight.
    Echo1,
    /// `echo-100`: 100 clients, one ack in flight each.
    Echo100,
    /// `echo-100x8`: 100 clients, 8 acks in flight each.
    Echo100x8,
    /// `broadcast`: one client broadcasts to N receivers (default 1000).
    Broadcast,
    /// `idle`: N idle connections (default 5000); server RSS growth per connection.
    Idle,
    /// `polling-echo`: 10 clients over HTTP long-polling, one ack in flight each.
    PollingEcho,
    /// `recover-1000`: time to recover a socket that missed N events (default 1000); the
    /// server needs connection state recovery on (see [`crate::recovery`]).
    Recover1000,
}

impl Scenario {
    /// Every scenario, in run order.
    pub const ALL: [Scenario; 8] = [
        Scenario::Connect,
        Scenario::Echo1,
        Scenario::Echo100,
        Scenario::Echo100x8,
        Scenario::Broadcast,
        Scenario::Idle,
        Scenario::PollingEcho,
        Scenario::Recover1000,
    ];

    /// The `--scenario` name.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Connect => "connect",
            Scenario::Echo1 => "echo-1",
            Scenario::Echo100 => "echo-100",
            Scenario::Echo100x8 => "echo-100x8",
            Scenario::Broadcast => "broadcast",
            Scenario::Idle => "idle",
            Scenario::PollingEcho => "polling-echo",
            Scenario::Recover1000 => "recover-1000",
        }
    }

    /// The scenario called `name`.
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Default number of clients (receivers for `broadcast`, connections for `connect`/`idle`,
    /// missed events for `recover-1000`).
    pub fn default_clients(self) -> usize {
        match self {
            Scenario::Connect => 1000,
            Scenario::Echo1 => 1,
            Scenario::Echo100 | Scenario::Echo100x8 => 100,
            Scenario::Broadcast => 1000,
            Scenario::Idle => 5000,
            Scenario::PollingEcho => 10,
            Scenario::Recover1000 => 1000,
        }
    }

    /// Acks in flight per client (echo scenarios).
    pub fn in_flight(self) -> usize {
        match self {
            Scenario::Echo100x8 => 8,
            _ => 1,
        }
    }
}

/// How to run a scenario.
#[derive(Clone, Debug)]
pub struct Options {
    /// The server addresses (one per server process of a cluster; never empty): clients are
    /// spread over them in turn, the broadcasting client of `broadcast` on the first.
    pub addrs: Vec<SocketAddr>,
    /// The PIDs of the server side (the servers of a cluster and its Redis), for their CPU
    /// share and memory (both summed over the PIDs).
    pub server_pids: Vec<u32>,
    /// Clients (see [`Scenario::default_clients`]).
    pub clients: usize,
    /// Time running before measuring.
    pub warmup: Duration,
    /// The measured window of the throughput scenarios.
    pub duration: Duration,
    /// Handshakes in flight while connecting many clients.
    pub connect_concurrency: usize,
}

impl Options {
    /// The address of the `i`-th client (clients are spread over the servers in turn).
    pub fn addr(&self, i: usize) -> SocketAddr {
        self.addrs[i % self.addrs.len().max(1)]
    }
}

/// What a scenario measured.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Named figures, in display order (names end with their unit).
    pub metrics: Vec<(&'static str, f64)>,
    /// CPU share of the load generator over the measured window (1.0 = one core).
    pub loadgen_cpu: f64,
    /// CPU share of the server over the measured window, when its PID was given.
    pub server_cpu: Option<f64>,
    /// Client errors (failed connects, closed connections, timeouts).
    pub errors: u64,
    /// The first error seen, if any.
    pub first_error: Option<String>,
}

impl Outcome {
    pub(crate) fn error(&mut self, e: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e.to_string());
        }
    }
}

/// Runs `scenario`; must be called inside a `LocalSet`.
pub async fn run(scenario: Scenario, opts: &Options) -> Outcome {
    match scenario {
        Scenario::Connect => connect(opts).await,
        Scenario::Echo1 | Scenario::Echo100 | Scenario::Echo100x8 => {
            echo(opts, scenario.in_flight()).await
        }
        Scenario::Broadcast => broadcast(opts).await,
        Scenario::Idle => idle(opts).await,
        Scenario::PollingEcho => polling_echo(opts).await,
        Scenario::Recover1000 => crate::recovery::recover(opts).await,
    }
}

/// Meters of the load generator and of the server side over one window.
pub(crate) struct Window {
    loadgen: CpuMeter,
    servers: Vec<CpuMeter>,
    start: Instant,
}

impl Window {
    pub(crate) fn start(server_pids: &[u32]) -> Self {
        Window {
            loadgen: CpuMeter::start(None),
            servers: server_pids
                .iter()
                .map(|pid| CpuMeter::start(Some(*pid)))
                .collect(),
            start: Instant::now(),
        }
    }

    /// Ends the window: fills the CPU shares of `out` (the server side's summed over its
    /// processes; unknown if one of them is unreadable); returns the wall time.
    pub(crate) fn end(&self, out: &mut Outcome) -> f64 {
        out.loadgen_cpu = self.loadgen.share().unwrap_or(f64::NAN);
        out.server_cpu = if self.servers.is_empty() {
            None
        } else {
            self.servers.iter().map(CpuMeter::share).sum()
        };
        self.start.elapsed().as_secs_f64()
    }
}

/// Resident memory of the server side in KiB, summed over its processes.
pub(crate) fn server_rss_kib(opts: &Options) -> u64 {
    opts.server_pids
        .iter()
        .map(|pid| rss_kib(*pid).unwrap_or(0))
        .sum()
}

pub(crate) fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Connects `n` websocket clients, `concurrency` handshakes at a time, spread over the
/// servers of `opts` in turn.
pub(crate) async fn connect_many(
    opts: &Options,
    n: usize,
    concurrency: usize,
    out: &mut Outcome,
) -> (Vec<SioClient>, Histogram) {
    let mut hist = Histogram::default();
    let mut clients = Vec::with_capacity(n);
    let mut attempts = futures_util::stream::iter(0..n)
        .map(|i| SioClient::connect(opts.addr(i)))
        .buffer_unordered(concurrency.max(1));
    while let Some(result) = attempts.next().await {
        match result {
            Ok((client, took)) => {
                hist.record(took.as_micros() as u64);
                clients.push(client);
            }
            Err(e) => out.error(e),
        }
    }
    (clients, hist)
}

async fn connect(opts: &Options) -> Outcome {
    let mut out = Outcome::default();
    let window = Window::start(&opts.server_pids);
    let (clients, hist) =
        connect_many(opts, opts.clients, opts.connect_concurrency, &mut out).await;
    let wall = window.end(&mut out);
    out.metrics = vec![
        ("conn_per_s", clients.len() as f64 / wall),
        ("join_p50_ms", ms(hist.percentile(50.0))),
        ("join_p99_ms", ms(hist.percentile(99.0))),
    ];
    drop(clients);
    out
}

/// State shared by the tasks of a throughput scenario (single thread: `Cell`s suffice).
#[derive(Default)]
struct Shared {
    recording: Cell<bool>,
    stop: Cell<bool>,
    hist: RefCell<Histogram>,
    count: Cell<u64>,
    errors: RefCell<Vec<String>>,
}

impl Shared {
    fn error(&self, e: impl std::fmt::Display) {
        self.errors.borrow_mut().push(e.to_string());
    }

    fn sample(&self, us: u64) {
        if self.recording.get() {
            self.hist.borrow_mut().record(us);
            self.count.set(self.count.get() + 1);
        }
    }

    /// Runs the warmup and the measured window; returns the figures' base.
    async fn measure(&self, opts: &Options, out: &mut Outcome) -> f64 {
        tokio::time::sleep(opts.warmup).await;
        self.recording.set(true);
        let window = Window::start(&opts.server_pids);
        tokio::time::sleep(opts.duration).await;
        self.recording.set(false);
        let wall = window.end(out);
        self.stop.set(true);
        wall
    }

    fn collect_errors(&self, out: &mut Outcome) {
        for e in self.errors.borrow().iter() {
            out.error(e);
        }
    }
}

fn echo_packet(id: u64) -> String {
    format!("42{id}[\"echo\",{{\"s\":{id},\"p\":\"hello world\"}}]")
}

/// The ack id of an ACK packet `43<id>[...]`.
fn ack_id(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("43")?;
    let end = rest.find('[')?;
    rest[..end].parse().ok()
}

async fn echo(opts: &Options, in_flight: usize) -> Outcome {
    let mut out = Outcome::default();
    let (clients, _) = connect_many(opts, opts.clients, opts.connect_concurrency, &mut out).await;
    let shared = Rc::new(Shared::default());
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let shared = shared.clone();
            tokio::task::spawn_local(async move {
                if let Err(e) = echo_client(client, in_flight, &shared).await {
                    shared.error(e);
                }
            })
        })
        .collect();
    let wall = shared.measure(opts, &mut out).await;
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    shared.collect_errors(&mut out);
    let hist = shared.hist.borrow();
    out.metrics = vec![
        ("acks_per_s", shared.count.get() as f64 / wall),
        ("rtt_p50_ms", ms(hist.percentile(50.0))),
        ("rtt_p99_ms", ms(hist.percentile(99.0))),
        ("rtt_p999_ms", ms(hist.percentile(99.9))),
    ];
    out
}

async fn echo_client(
    mut client: SioClient,
    in_flight: usize,
    shared: &Shared,
) -> Result<(), BoxError> {
    let mut pending: VecDeque<(u64, Instant)> = VecDeque::with_capacity(in_flight);
    let mut next_id = 0u64;
    for _ in 0..in_flight {
        client.feed(echo_packet(next_id)).await?;
        pending.push_back((next_id, Instant::now()));
        next_id += 1;
    }
    client.flush().await?;
    while !pending.is_empty() {
        // No timer per packet: the scenario's clock bounds the run.
        let text = client.recv().await.ok_or("connection closed")??;
        on_echo_packet(&mut client, &text, &mut pending, &mut next_id, shared).await?;
        // Take every packet already readable, then write the new requests at once.
        while let Some(text) = client.try_recv() {
            on_echo_packet(&mut client, &text?, &mut pending, &mut next_id, shared).await?;
        }
        client.flush().await?;
    }
    Ok(())
}

/// Handles one packet of an echo client: an ack completes a request and queues the next one
/// (not flushed); a ping queues a pong.
async fn on_echo_packet(
    client: &mut SioClient,
    text: &str,
    pending: &mut VecDeque<(u64, Instant)>,
    next_id: &mut u64,
    shared: &Shared,
) -> Result<(), BoxError> {
    if text == "2" {
        return client.feed("3").await;
    }
    let Some(id) = ack_id(text) else {
        return Ok(());
    };
    let Some(pos) = pending.iter().position(|(p, _)| *p == id) else {
        return Err(format!("unexpected ack {text:?}").into());
    };
    if let Some((_, sent)) = pending.remove(pos) {
        shared.sample(sent.elapsed().as_micros() as u64);
    }
    if !shared.stop.get() {
        client.feed(echo_packet(*next_id)).await?;
        pending.push_back((*next_id, Instant::now()));
        *next_id += 1;
    }
    Ok(())
}

/// Broadcasts allowed in flight (sent, not yet delivered to every receiver).
const BROADCAST_WINDOW: u64 = 4;
/// A broadcast not fully delivered after this long no longer holds the window back.
const BROADCAST_GIVE_UP: Duration = Duration::from_secs(2);
const RING: usize = 1024;

struct BroadcastState {
    base: Instant,
    receivers: u64,
    /// Per sequence number modulo [`RING`]: (sequence, deliveries, sent at).
    ring: RefCell<Vec<(u64, u64, Instant)>>,
    delivered_total: Cell<u64>,
    progress: Notify,
}

impl BroadcastState {
    fn done(&self, seq: u64) -> bool {
        let ring = self.ring.borrow();
        let (s, count, sent) = ring[seq as usize % RING];
        s != seq || count >= self.receivers || sent.elapsed() > BROADCAST_GIVE_UP
    }
}

/// Reads `"key":<digits>` from a JSON text.
fn json_number(text: &str, key: &str) -> Option<u64> {
    let at = text.find(key)? + key.len();
    let digits = &text[at..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

async fn broadcast(opts: &Options) -> Outcome {
    let mut out = Outcome::default();
    // The sender talks to the first server; the receivers are spread over all of them.
    let mut sender = match SioClient::connect(opts.addr(0)).await {
        Ok((client, _)) => client,
        Err(e) => {
            out.error(e);
            return out;
        }
    };
    let (receivers, _) = connect_many(opts, opts.clients, opts.connect_concurrency, &mut out).await;
    let shared = Rc::new(Shared::default());
    let state = Rc::new(BroadcastState {
        base: Instant::now(),
        receivers: receivers.len() as u64,
        ring: RefCell::new(vec![(u64::MAX, 0, Instant::now()); RING]),
        delivered_total: Cell::new(0),
        progress: Notify::new(),
    });
    let tasks: Vec<_> = receivers
        .into_iter()
        .map(|mut client| {
            let (shared, state) = (shared.clone(), state.clone());
            tokio::task::spawn_local(async move {
                while let Some(text) = client.recv().await {
                    let text = match text {
                        Ok(t) => t,
                        Err(e) => return shared.error(e),
                    };
                    if text.as_str() == "2" {
                        let _ = client.send("3").await;
                        continue;
                    }
                    if !text.starts_with("42[\"msg\",") {
                        continue;
                    }
                    let (Some(seq), Some(t)) =
                        (json_number(&text, "\"s\":"), json_number(&text, "\"t\":"))
                    else {
                        return shared.error(format!("bad msg {text:?}"));
                    };
                    let now = state.base.elapsed().as_micros() as u64;
                    shared.sample(now.saturating_sub(t));
                    state.delivered_total.set(state.delivered_total.get() + 1);
                    let mut ring = state.ring.borrow_mut();
                    let slot = &mut ring[seq as usize % RING];
                    if slot.0 == seq {
                        slot.1 += 1;
                        if slot.1 == state.receivers {
                            state.progress.notify_one();
                        }
                    }
                }
            })
        })
        .collect();
    let sent = Rc::new(Cell::new(0u64));
    let sender_task = {
        let (shared, state, sent) = (shared.clone(), state.clone(), sent.clone());
        tokio::task::spawn_local(async move {
            let mut seq = 0u64;
            while !shared.stop.get() {
                if seq >= BROADCAST_WINDOW && !state.done(seq - BROADCAST_WINDOW) {
                    tokio::select! {
                        _ = state.progress.notified() => {}
                        _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                        text = sender.recv() => match text {
                            Some(Ok(t)) => if let Err(e) = sender.answer_ping(&t).await {
                                return shared.error(e);
                            },
                            Some(Err(e)) => return shared.error(e),
                            None => return shared.error("the sender's connection closed"),
                        },
                    }
                    continue;
                }
                let t = state.base.elapsed().as_micros() as u64;
                state.ring.borrow_mut()[seq as usize % RING] = (seq, 0, Instant::now());
                let packet = format!("42[\"broadcast\",{{\"s\":{seq},\"t\":{t}}}]");
                if let Err(e) = sender.send(packet).await {
                    return shared.error(e);
                }
                seq += 1;
                sent.set(seq);
            }
            // Keep reading the sender's own copies until the end.
            while let Some(Ok(_)) = sender.recv().await {}
        })
    };
    let wall = shared.measure(opts, &mut out).await;
    // Drain: wait until every broadcast sent has reached every receiver, or give up.
    let deadline = Instant::now() + BROADCAST_GIVE_UP;
    while state.delivered_total.get() < sent.get() * state.receivers && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let lost = (sent.get() * state.receivers).saturating_sub(state.delivered_total.get());
    sender_task.abort();
    for task in tasks {
        task.abort();
    }
    shared.collect_errors(&mut out);
    let hist = shared.hist.borrow();
    out.metrics = vec![
        ("deliveries_per_s", shared.count.get() as f64 / wall),
        ("latency_p50_ms", ms(hist.percentile(50.0))),
        ("latency_p99_ms", ms(hist.percentile(99.0))),
        ("lost", lost as f64),
    ];
    out
}

async fn idle(opts: &Options) -> Outcome {
    let mut out = Outcome::default();
    if opts.server_pids.is_empty() {
        out.error("idle needs --server-pid");
        return out;
    }
    let before = server_rss_kib(opts);
    let window = Window::start(&opts.server_pids);
    let (clients, _) = connect_many(opts, opts.clients, opts.connect_concurrency, &mut out).await;
    let wall = window.end(&mut out);
    // Let the server settle (handshake buffers released, tasks parked).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = server_rss_kib(opts);
    let n = clients.len().max(1) as f64;
    out.metrics = vec![
        ("kib_per_conn", after.saturating_sub(before) as f64 / n),
        ("rss_mib", after as f64 / 1024.0),
        ("conn_per_s", clients.len() as f64 / wall),
    ];
    drop(clients);
    out
}

async fn polling_echo(opts: &Options) -> Outcome {
    let mut out = Outcome::default();
    let mut clients = Vec::new();
    for i in 0..opts.clients {
        match PollingClient::connect(opts.addr(i)).await {
            Ok((c, _)) => clients.push(c),
            Err(e) => out.error(e),
        }
    }
    let shared = Rc::new(Shared::default());
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let shared = shared.clone();
            tokio::task::spawn_local(async move {
                let mut id = 0u64;
                while !shared.stop.get() {
                    let sent = Instant::now();
                    if let Err(e) = polling_round_trip(&mut client, id).await {
                        return shared.error(e);
                    }
                    shared.sample(sent.elapsed().as_micros() as u64);
                    id += 1;
                }
            })
        })
        .collect();
    let wall = shared.measure(opts, &mut out).await;
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    shared.collect_errors(&mut out);
    let hist = shared.hist.borrow();
    out.metrics = vec![
        ("acks_per_s", shared.count.get() as f64 / wall),
        ("rtt_p50_ms", ms(hist.percentile(50.0))),
        ("rtt_p99_ms", ms(hist.percentile(99.0))),
    ];
    out
}

async fn polling_round_trip(client: &mut PollingClient, id: u64) -> Result<(), BoxError> {
    client.post(&echo_packet(id)).await?;
    loop {
        for packet in client.poll().await? {
            if ack_id(&packet) == Some(id) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_acks_and_numbers() {
        assert_eq!(ack_id("4312[{\"s\":12}]"), Some(12));
        assert_eq!(ack_id("42[\"msg\"]"), None);
        assert_eq!(
            json_number("42[\"msg\",{\"s\":7,\"t\":123}]", "\"t\":"),
            Some(123)
        );
        assert_eq!(Scenario::from_name("echo-100x8"), Some(Scenario::Echo100x8));
    }
}
