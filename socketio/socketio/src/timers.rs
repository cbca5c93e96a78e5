//! The deadline table of one connection: the connect timeout and every ack timeout, read by
//! the session task's one timer (`Handler::poll_timeout`).

use std::collections::BTreeSet;
use std::time::Instant;

use crate::Sid;

/// A deadline of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// No namespace joined in time: close the connection.
    Connect,
    /// The ack `id` of socket `sid` did not come in time.
    Ack(Sid, u64),
}

/// Deadlines in time order; ties in `Timer` order.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    set: BTreeSet<(Instant, Timer)>,
}

impl Timers {
    pub(crate) fn arm(&mut self, at: Instant, timer: Timer) {
        self.set.insert((at, timer));
    }

    pub(crate) fn disarm(&mut self, at: Instant, timer: Timer) {
        self.set.remove(&(at, timer));
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.set.first().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest timer due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Timer> {
        match self.set.first() {
            Some((at, _)) if *at <= now => self.set.pop_first().map(|(_, t)| t),
            _ => None,
        }
    }

    /// Disarms the connect timeout (a namespace was joined: Node clears it for good).
    pub(crate) fn disarm_connect(&mut self) {
        self.set.retain(|(_, t)| *t != Timer::Connect);
    }

    /// Forgets every ack deadline of `sid` (it left).
    pub(crate) fn forget_socket(&mut self, sid: Sid) {
        self.set
            .retain(|(_, t)| !matches!(t, Timer::Ack(s, _) if *s == sid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn due_in_time_order() {
        let t0 = Instant::now();
        let sid = Sid::from_random([1; 15]);
        let mut timers = Timers::default();
        timers.arm(t0 + Duration::from_millis(20), Timer::Connect);
        timers.arm(t0 + Duration::from_millis(10), Timer::Ack(sid, 1));
        timers.arm(t0 + Duration::from_millis(30), Timer::Ack(sid, 2));
        assert_eq!(timers.next(), Some(t0 + Duration::from_millis(10)));
        assert_eq!(timers.pop_due(t0), None);
        let later = t0 + Duration::from_millis(25);
        assert_eq!(timers.pop_due(later), Some(Timer::Ack(sid, 1)));
        assert_eq!(timers.pop_due(later), Some(Timer::Connect));
        assert_eq!(timers.pop_due(later), None);
        timers.forget_socket(sid);
        assert_eq!(timers.next(), None);
    }
}
