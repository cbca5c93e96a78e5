//! The connection state recovery scenario of the load generator (issue 12). It needs a
//! server with recovery on (`bench-server --recovery`, `node server.mjs --recovery`).
//!
//! The wire, as Node's socket.io 4.8 speaks it (checked against it on loopback): the CONNECT
//! reply carries the private session id, `40{"sid":"..","pid":".."}`; every EVENT the server
//! sends without ack carries its offset as a last string argument,
//! `42["msg",{..},"<offset>"]`; a client that lost its transport opens a new one and sends
//! `40{"pid":"..","offset":".."}` (the last offset it saw); when the session is recovered the
//! missed events come first, then the CONNECT reply with the same `sid` and `pid`.
//!
//! - `recover-1000` ([`recover`]): one client joins, takes its pid and an offset, drops its
//!   transport (TCP reset); another client broadcasts N events (default 1000) and reads its own
//!   copies back (so they are all in the server's buffer); the first one reconnects with
//!   `{pid, offset}`. Measured: from the reconnect (TCP connect) to the CONNECT reply and all N
//!   missed events, repeated over the measured window (the same session dropped and recovered
//!   again, its new offset being the last event replayed).
//!
//! The memory side (10,000 sessions dropped and never recovered; the store empties at their
//! expiry) is `scripts/soak-recovery.sh`.

use std::time::Instant;

use crate::client::{BoxError, SioClient};
use crate::scenarios::{ms, Options, Outcome, Window};
use crate::stats::Histogram;

/// Recoveries measured at least, however short the window.
const MIN_RECOVERIES: u64 = 5;

/// The figures of `recover-1000`.
#[derive(Default)]
struct Recoveries {
    /// Reconnect to CONNECT reply and every missed event.
    total: Histogram,
    /// Reconnect to CONNECT reply.
    reply: Histogram,
    /// Missed events received, over all measured recoveries.
    events: u64,
    /// Of which before the CONNECT reply.
    before_reply: u64,
}

/// `recover-1000`: time to recover a socket that missed `opts.clients` events.
pub async fn recover(opts: &Options) -> Outcome {
    let mut out = Outcome::default();
    let mut rec = Recoveries::default();
    if let Err(e) = recover_run(opts, &mut rec, &mut out).await {
        out.error(e);
    }
    let n = rec.total.count();
    let per = |v: u64| {
        if n == 0 {
            f64::NAN
        } else {
            v as f64 / n as f64
        }
    };
    out.metrics = vec![
        ("recover_p50_ms", ms(rec.total.percentile(50.0))),
        ("recover_p99_ms", ms(rec.total.percentile(99.0))),
        ("reply_p50_ms", ms(rec.reply.percentile(50.0))),
        ("replayed_per_recovery", per(rec.events)),
        ("replayed_before_reply", per(rec.before_reply)),
        ("recoveries", n as f64),
    ];
    out
}

async fn recover_run(
    opts: &Options,
    rec: &mut Recoveries,
    out: &mut Outcome,
) -> Result<(), BoxError> {
    let missed = opts.clients;
    let addr = opts.addr(0);
    let (mut sender, _) = SioClient::connect(addr).await?;
    let mut client = SioClient::open(addr).await?;
    client.send("40").await?;
    let reply = client.connect_reply(|_| Ok(())).await?;
    let (sid, mut pid) = session_ids(&reply)?;
    // A first offset: one broadcast, seen by both clients.
    let mut seq = 0u64;
    sender.send(broadcast_packet(seq)).await?;
    seq += 1;
    let mut offset = read_events(&mut client, 1).await?;
    read_events(&mut sender, 1).await?;

    let warmup_end = Instant::now() + opts.warmup;
    let mut window: Option<(Window, Instant)> = None;
    loop {
        let now = Instant::now();
        if window.is_none() && now >= warmup_end {
            window = Some((Window::start(&opts.server_pids), now + opts.duration));
        }
        if let Some((w, end)) = &window {
            if now >= *end && rec.total.count() >= MIN_RECOVERIES {
                w.end(out);
                return Ok(());
            }
        }
        // The drop: a TCP reset (SO_LINGER 0), the server sees a transport error.
        drop(client);
        for _ in 0..missed {
            sender.feed(broadcast_packet(seq)).await?;
            seq += 1;
        }
        sender.flush().await?;
        // The sender got its own copies: every broadcast is in the server's buffer.
        read_events(&mut sender, missed).await?;

        let start = Instant::now();
        client = SioClient::open(addr).await?;
        client
            .send(format!("40{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}"))
            .await?;
        let mut events = 0usize;
        let mut last = None;
        let reply = client
            .connect_reply(|p| {
                if is_msg(p) {
                    events += 1;
                    last = last_string_arg(p).map(str::to_owned);
                }
                Ok(())
            })
            .await?;
        let reply_took = start.elapsed();
        let (new_sid, new_pid) = session_ids(&reply)?;
        if new_sid != sid {
            return Err(format!(
                "not recovered: CONNECT reply {reply:?} after {events} events (sid was {sid})"
            )
            .into());
        }
        let before_reply = events;
        while events < missed {
            let p = client.recv_timeout().await?;
            if is_msg(&p) {
                events += 1;
                last = last_string_arg(&p).map(str::to_owned);
            }
        }
        let took = start.elapsed();
        if window.is_some() {
            rec.total.record(took.as_micros() as u64);
            rec.reply.record(reply_took.as_micros() as u64);
            rec.events += events as u64;
            rec.before_reply += before_reply as u64;
        }
        offset = last.ok_or("no offset in the replayed events")?;
        pid = new_pid;
    }
}

fn broadcast_packet(seq: u64) -> String {
    format!("42[\"broadcast\",{{\"s\":{seq}}}]")
}

fn is_msg(packet: &str) -> bool {
    packet.starts_with("42[\"msg\",")
}

/// Reads `n` `msg` events (pings answered, other packets skipped); returns the offset of the
/// last one.
async fn read_events(client: &mut SioClient, n: usize) -> Result<String, BoxError> {
    let mut last = String::new();
    let mut seen = 0;
    while seen < n {
        let p = client.recv_timeout().await?;
        if is_msg(&p) {
            seen += 1;
            if let Some(offset) = last_string_arg(&p) {
                last = offset.to_owned();
            }
        }
    }
    if last.is_empty() && n > 0 {
        return Err("events carry no offset: is connection state recovery on?".into());
    }
    Ok(last)
}

/// `sid` and `pid` of a CONNECT reply `40{"sid":"..","pid":".."}`.
fn session_ids(reply: &str) -> Result<(String, String), BoxError> {
    let sid = json_string(reply, "sid");
    let pid = json_string(reply, "pid");
    match (sid, pid) {
        (Some(sid), Some(pid)) => Ok((sid.to_owned(), pid.to_owned())),
        _ => Err(format!(
            "no sid/pid in the CONNECT reply {reply:?}: is connection state recovery on?"
        )
        .into()),
    }
}

/// The value of `"key":"<value>"` in a JSON text (values without escapes).
fn json_string<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let pattern = format!("\"{key}\":\"");
    let at = text.find(&pattern)? + pattern.len();
    let rest = &text[at..];
    Some(&rest[..rest.find('"')?])
}

/// The last argument of an EVENT packet when it is a string: the offset of a server with
/// recovery on (`42["msg",{..},"Q8NY5RT"]` -> `Q8NY5RT`).
fn last_string_arg(packet: &str) -> Option<&str> {
    let body = packet.strip_suffix("\"]")?;
    let open = body.rfind('"')?;
    body[..open]
        .ends_with(',')
        .then(|| &body[open + 1..])
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_recovery_wire() {
        assert_eq!(
            last_string_arg("42[\"msg\",{\"s\":1},\"Q8NY5RT.1\"]"),
            Some("Q8NY5RT.1")
        );
        assert_eq!(last_string_arg("42[\"msg\",{\"s\":1}]"), None);
        assert_eq!(last_string_arg("42[\"msg\"]"), None);
        let (sid, pid) = session_ids("40{\"sid\":\"abc\",\"pid\":\"def\"}").unwrap_or_default();
        assert_eq!((sid.as_str(), pid.as_str()), ("abc", "def"));
        assert!(session_ids("40{\"sid\":\"abc\"}").is_err());
    }
}
