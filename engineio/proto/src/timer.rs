//! The deadline table: every timer of a session in one place.
//!
//! A session fires its due timers in deadline order (ties in [`Timer`] declaration order), both
//! from [`Session::handle_timeout`](crate::Session::handle_timeout) and at the start of every
//! other input, so an input never overtakes a deadline that has already passed.

use std::time::Instant;

/// Every timer a session can have armed. One enum, one small table, no task per timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timer {
    /// v4: when the next server ping is due.
    PingInterval,
    /// v4: the pong deadline after a ping; v3: the deadline for the next client ping.
    PingTimeout,
    /// The deadline for an upgrading websocket to send `5`.
    Upgrade,
    /// After the probe (`2probe`) of an upgrading websocket: the next 100 ms check that answers
    /// a held polling GET with a noop (`6`), so the client can pause polling and send `5`.
    /// Re-armed every 100 ms until the upgrade completes, is aborted or the session closes
    /// (Node's `setInterval(check, 100)` in `Socket._maybeUpgrade`).
    UpgradeNoop,
    /// How long a server-initiated close waits for a polling GET to carry the `1` packet.
    CloseDrain,
}

impl Timer {
    const COUNT: usize = 5;

    const ALL: [Timer; Timer::COUNT] = [
        Timer::PingInterval,
        Timer::PingTimeout,
        Timer::Upgrade,
        Timer::UpgradeNoop,
        Timer::CloseDrain,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// A deadline per [`Timer`], `None` when not armed.
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<Instant>; Timer::COUNT],
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.index()] = Some(at);
    }

    pub(crate) fn clear(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    pub(crate) fn clear_all(&mut self) {
        self.deadlines = [None; Timer::COUNT];
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Disarms and returns the timer with the earliest deadline at or before `now` (ties in
    /// declaration order).
    pub(crate) fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let timer = Timer::ALL
            .into_iter()
            .filter(|t| self.get(*t).is_some_and(|at| at <= now))
            .min_by_key(|t| self.get(*t))?;
        self.clear(timer);
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_deadline_fires_first() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        table.set(Timer::PingTimeout, t0 + Duration::from_millis(20));
        table.set(Timer::Upgrade, t0 + Duration::from_millis(10));
        assert_eq!(table.next(), Some(t0 + Duration::from_millis(10)));
        assert_eq!(table.take_expired(t0), None);
        let later = t0 + Duration::from_millis(30);
        assert_eq!(table.take_expired(later), Some(Timer::Upgrade));
        assert_eq!(table.take_expired(later), Some(Timer::PingTimeout));
        assert_eq!(table.take_expired(later), None);
        assert_eq!(table.next(), None);
    }

    #[test]
    fn a_deadline_equal_to_now_is_expired_and_ties_fire_in_declaration_order() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        for timer in Timer::ALL.into_iter().rev() {
            table.set(timer, t0);
        }
        let fired: Vec<Timer> = std::iter::from_fn(|| table.take_expired(t0)).collect();
        assert_eq!(fired, Timer::ALL);
        table.set(Timer::UpgradeNoop, t0 + Duration::from_millis(1));
        assert_eq!(table.take_expired(t0), None);
        table.clear_all();
        assert_eq!(table.next(), None);
    }

    #[test]
    fn every_timer_has_its_own_slot() {
        for (i, timer) in Timer::ALL.into_iter().enumerate() {
            assert_eq!(timer.index(), i);
        }
    }
}
