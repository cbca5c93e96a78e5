//! The expiry timer of connection state recovery: one task per namespace that removes the
//! sessions and packets the adapter keeps once they outlived `max_disconnection_duration`,
//! even when no traffic comes (the adapter otherwise purges only when it is called).
//!
//! The task asks the adapter to purge ([`Adapter::purge_expired`](socketio_adapter::Adapter::purge_expired)),
//! which answers when the next entry expires, and sleeps until then (`sleep_until`, on
//! tokio's clock, the one the adapter stamps entries with through
//! [`LocalNamespace::now`](socketio_adapter::LocalNamespace::now)); with nothing kept, it
//! waits until the adapter says that it kept something again
//! ([`LocalNamespace::recovery_kept`](socketio_adapter::LocalNamespace::recovery_kept)). No
//! polling interval. It is spawned when the adapter first keeps something (or a session is
//! persisted), and ends when the namespace goes away (dropped, or removed as an empty child)
//! or the server closes. It holds the namespace weakly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use socketio_adapter::LocalNamespace;
use tokio::sync::Notify;

use crate::namespace::NsInner;

/// The timer of one namespace (idle until started). Dropping it ends the task.
pub(crate) struct RecoveryTimer {
    ns: Weak<NsInner>,
    shared: Arc<Shared>,
}

/// What the timer and its task share.
#[derive(Default)]
struct Shared {
    /// Wakes the task: something kept while nothing was, or a stop.
    wake: Notify,
    spawned: AtomicBool,
    stopped: AtomicBool,
}

impl RecoveryTimer {
    pub(crate) fn new(ns: Weak<NsInner>) -> Self {
        RecoveryTimer {
            ns,
            shared: Arc::default(),
        }
    }

    /// Starts the task if it is not running. False when it cannot run: stopped, or no tokio
    /// runtime here (a later call from the runtime starts it).
    pub(crate) fn start(&self) -> bool {
        self.spawn() != Start::Unavailable
    }

    /// The adapter kept something while it kept nothing: starts the task, or wakes it (it
    /// then asks the adapter when to wake next).
    pub(crate) fn kick(&self) {
        if self.spawn() == Start::Running {
            self.shared.wake.notify_one();
        }
    }

    /// Ends the task for good (the server closed, or the namespace went away).
    pub(crate) fn stop(&self) {
        self.shared.stopped.store(true, Ordering::Release);
        // Stored as a permit if the task is not waiting right now: it cannot miss it.
        self.shared.wake.notify_one();
    }

    fn spawn(&self) -> Start {
        if self.shared.stopped.load(Ordering::Acquire) {
            return Start::Unavailable;
        }
        if self.shared.spawned.load(Ordering::Acquire) {
            return Start::Running;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Start::Unavailable;
        };
        if self.shared.spawned.swap(true, Ordering::AcqRel) {
            return Start::Running;
        }
        runtime.spawn(run(self.ns.clone(), self.shared.clone()));
        Start::Spawned
    }
}

impl Drop for RecoveryTimer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(PartialEq, Eq)]
enum Start {
    /// Just spawned: its first purge sees what was kept.
    Spawned,
    Running,
    Unavailable,
}

/// Marks the task as not running when it ends, or when its runtime drops it (a runtime that
/// shut down): the next kick spawns it again, unless it was stopped.
struct Running(Arc<Shared>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.spawned.store(false, Ordering::Release);
    }
}

/// The task: purge, then sleep until the next expiry (or until woken).
async fn run(ns: Weak<NsInner>, shared: Arc<Shared>) {
    let _running = Running(shared.clone());
    let mut name = String::new();
    loop {
        if shared.stopped.load(Ordering::Acquire) {
            break;
        }
        let next = {
            // Not held while sleeping: the namespace can go away meanwhile.
            let Some(ns) = ns.upgrade() else { break };
            if name.is_empty() {
                name = ns.name().to_owned();
            }
            let next = ns.purge_expired(tokio::time::Instant::now().into_std());
            tracing::trace!(nsp = %name, ?next, "recovery store purged");
            next
        };
        match next {
            Some(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(tokio::time::Instant::from_std(at)) => {}
                    () = shared.wake.notified() => {}
                }
            }
            None => shared.wake.notified().await,
        }
    }
    tracing::debug!(nsp = %name, "recovery expiry timer ended");
}
