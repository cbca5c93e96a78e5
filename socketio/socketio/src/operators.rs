//! Broadcast operators: `to`, `except`, `local`, `volatile`, `timeout`, then emit or act on the
//! targeted sockets (Node's `BroadcastOperator`).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::ack::{wait_many, BroadcastAcks};
use crate::adapter::{BroadcastOptions, RemoteSocket};
use crate::emit::{event_packet, Payload};
use crate::error::Error;
use crate::extract::Args;
use crate::namespace::Namespace;
use crate::Sid;

/// A broadcast being built. Each method returns the operator with one more condition.
#[derive(Clone, Debug)]
pub struct BroadcastOperators {
    ns: Arc<Namespace>,
    opts: BroadcastOptions,
    timeout: Option<Duration>,
}

impl BroadcastOperators {
    pub(crate) fn new(ns: Arc<Namespace>) -> Self {
        BroadcastOperators {
            ns,
            opts: BroadcastOptions::default(),
            timeout: None,
        }
    }

    /// Targets these rooms too (a socket in several is reached once).
    pub fn to<R: AsRef<str>>(mut self, rooms: impl IntoIterator<Item = R>) -> Self {
        for room in rooms {
            let room = room.as_ref().to_owned();
            if !self.opts.rooms.contains(&room) {
                self.opts.rooms.push(room);
            }
        }
        self
    }

    /// Same as [`BroadcastOperators::to`] (Node's `in`).
    pub fn within<R: AsRef<str>>(self, rooms: impl IntoIterator<Item = R>) -> Self {
        self.to(rooms)
    }

    /// Skips the members of these rooms.
    pub fn except<R: AsRef<str>>(mut self, rooms: impl IntoIterator<Item = R>) -> Self {
        for room in rooms {
            self.opts.except.push(room.as_ref().to_owned());
        }
        self
    }

    pub(crate) fn except_socket(mut self, sid: Sid) -> Self {
        self.opts.except_sids.push(sid);
        self
    }

    /// This server only.
    pub fn local(mut self) -> Self {
        self.opts.local = true;
        self
    }

    /// Drops the packet for connections that cannot take it now.
    pub fn volatile(mut self) -> Self {
        self.opts.volatile = true;
        self
    }

    /// The ack timeout for [`BroadcastOperators::emit_with_ack`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Emits an event with one argument to every target; serialized once.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.emit_payload(event, Payload::One(data))
    }

    /// Emits an event whose arguments are the items of `data`.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.emit_payload(event, Payload::Many(data))
    }

    /// Emits an event with raw arguments.
    pub fn emit_args(&self, event: &str, args: &Args) -> Result<(), Error> {
        self.emit_payload::<()>(event, Payload::Raw(args))
    }

    fn emit_payload<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> Result<(), Error> {
        let packet = event_packet(self.ns.name(), event, payload, None)?;
        self.ns.adapter.broadcast(&packet, &self.opts);
        Ok(())
    }

    /// Emits with one argument and collects every target's ack until all answered or the
    /// timeout (`.timeout(..)`, else the configured `ack_timeout`) passed.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastAcks, Error> {
        self.emit_with_ack_payload(event, Payload::One(data)).await
    }

    /// Like [`BroadcastOperators::emit_with_ack`] with raw arguments.
    pub async fn emit_args_with_ack(
        &self,
        event: &str,
        args: &Args,
    ) -> Result<BroadcastAcks, Error> {
        self.emit_with_ack_payload::<()>(event, Payload::Raw(args))
            .await
    }

    async fn emit_with_ack_payload<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> Result<BroadcastAcks, Error> {
        let id = self.ns.next_ack_id();
        let packet = event_packet(self.ns.name(), event, payload, Some(id))?;
        let (tx, rx) = mpsc::unbounded_channel();
        let expected = self
            .ns
            .adapter
            .broadcast_with_ack(&packet, id, &self.opts, &tx);
        drop(tx);
        let timeout = self.timeout.unwrap_or_else(|| self.ns.ack_timeout());
        let targets = self.ns.adapter.sockets(&self.opts);
        let ns = self.ns.clone();
        Ok(wait_many(rx, expected, timeout, move || {
            for sid in targets {
                if let Some(s) = ns.get_socket(&sid) {
                    s.forget_ack(id);
                }
            }
        })
        .await)
    }

    /// The targeted sockets.
    pub async fn fetch_sockets(&self) -> Vec<RemoteSocket> {
        self.ns.adapter.fetch_sockets(&self.opts).await
    }

    /// Makes the targets join rooms.
    pub fn sockets_join<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) {
        let rooms: Vec<R> = rooms.into_iter().collect();
        let rooms: Vec<&str> = rooms.iter().map(|r| r.as_ref()).collect();
        self.ns.adapter.add_sockets(&self.opts, &rooms);
    }

    /// Makes the targets leave rooms.
    pub fn sockets_leave<R: AsRef<str>>(&self, rooms: impl IntoIterator<Item = R>) {
        let rooms: Vec<R> = rooms.into_iter().collect();
        let rooms: Vec<&str> = rooms.iter().map(|r| r.as_ref()).collect();
        self.ns.adapter.del_sockets(&self.opts, &rooms);
    }

    /// Disconnects the targets from the namespace (and closes their connections when `close`).
    pub fn disconnect_sockets(&self, close: bool) {
        self.ns.adapter.disconnect_sockets(&self.opts, close);
    }
}
