//! The cluster state machine, the same for every wire format: local delivery through the
//! memory adapter, an ordered publish queue, requests waiting for answers with timeouts and
//! counts, and what to do with the other servers' messages.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use parking_lot::Mutex;
use socketio_adapter::{
    ack_channel, AckEvent, AckStream, Adapter, AdapterError, BoxFuture, BroadcastOptions,
    LocalNamespace, Packet, Room, ServerAnswers, SocketInfo, Value,
};
use socketio_adapter_memory::{MemoryAdapter, RoomEvent};
use tokio::sync::mpsc;

use crate::connection::{stream_entries, Publish, RedisConnection, Sink, StreamSink};
use crate::message::{Incoming, OneSocketAction, Request, RequestKind, Response};
use crate::sharded::{room_channels, Sharded};
use crate::streams::{is_entry_id, next_entry_id, Streams};
use crate::wire::Wire;

/// What to do once a message is published: given the stream entry id (the offset) of a stream
/// entry, or the error.
type Then = Box<dyn FnOnce(Result<Option<String>, AdapterError>) + Send>;

/// One message of the ordered publish queue.
pub(crate) struct Job {
    publish: Publish,
    then: Option<Then>,
}

/// Where the answers to one pending request go.
enum Waiter {
    Responses(mpsc::UnboundedSender<Response>),
    Acks(socketio_adapter::AckSender),
}

struct Pending {
    kind: RequestKind,
    waiter: Waiter,
}

/// Settings every namespace adapter of one factory shares.
#[derive(Clone, Debug)]
pub(crate) struct ClusterSettings {
    pub(crate) requests_timeout: Duration,
    pub(crate) publish_queue: usize,
}

/// One namespace's adapter over Redis.
pub(crate) struct ClusterAdapter {
    local: MemoryAdapter,
    conn: Arc<RedisConnection>,
    wire: Arc<dyn Wire>,
    /// The sharded format, for its dynamic room channels.
    sharded: Option<Sharded>,
    /// The streams format: sessions in Redis, offsets from the stream.
    streams: Option<Streams>,
    uid: String,
    nsp: OnceLock<String>,
    settings: ClusterSettings,
    pending: Mutex<HashMap<String, Pending>>,
    queue: mpsc::Sender<Job>,
    me: Weak<ClusterAdapter>,
}

impl ClusterAdapter {
    pub(crate) fn new(
        ns: Weak<dyn LocalNamespace>,
        conn: Arc<RedisConnection>,
        wire: Arc<dyn Wire>,
        sharded: Option<Sharded>,
        streams: Option<Streams>,
        settings: ClusterSettings,
    ) -> Arc<ClusterAdapter> {
        let (queue, rx) = mpsc::channel(settings.publish_queue.max(1));
        conn.spawn(publish_loop(Arc::downgrade(&conn), rx));
        let uid = wire.new_uid();
        Arc::new_cyclic(|me| ClusterAdapter {
            local: MemoryAdapter::new(ns),
            conn,
            wire,
            sharded,
            streams,
            uid,
            nsp: OnceLock::new(),
            settings,
            pending: Mutex::new(HashMap::new()),
            queue,
            me: me.clone(),
        })
    }

    /// The namespace name (known once the server finished creating the namespace).
    fn nsp(&self) -> &str {
        self.nsp
            .get()
            .map(String::as_str)
            .or_else(|| {
                let name = self.local.namespace()?.name().to_owned();
                Some(self.nsp.get_or_init(|| name).as_str())
            })
            .unwrap_or("/")
    }

    /// Queues a message, in order with the others; a full queue (Redis too slow or gone)
    /// drops it with an error (and `then` runs at once with it).
    fn enqueue(
        &self,
        publish: Result<Publish, AdapterError>,
        then: Option<Then>,
    ) -> Result<(), AdapterError> {
        let publish = match publish {
            Ok(p) => p,
            Err(e) => {
                if let Some(then) = then {
                    then(Err(e.clone()));
                }
                return Err(e);
            }
        };
        match self.queue.try_send(Job { publish, then }) {
            Ok(()) => Ok(()),
            Err(e) => {
                let (job, err) = match e {
                    mpsc::error::TrySendError::Full(job) => (
                        job,
                        AdapterError::Backend("redis publish queue full".into()),
                    ),
                    mpsc::error::TrySendError::Closed(job) => (job, AdapterError::Closed),
                };
                if let Some(then) = job.then {
                    then(Err(err.clone()));
                }
                Err(err)
            }
        }
    }

    fn publish_request(&self, request: &Request) -> Result<(), AdapterError> {
        self.publish_request_then(request, None)
    }

    fn publish_request_then(
        &self,
        request: &Request,
        then: Option<Then>,
    ) -> Result<(), AdapterError> {
        let r = self.enqueue(
            self.wire.encode_request(self.nsp(), &self.uid, request),
            then,
        );
        if let Err(e) = &r {
            tracing::warn!(nsp = %self.nsp(), "redis adapter: not published: {e}");
        }
        r
    }

    fn respond(&self, to: Option<&str>, response: &Response) {
        let r = self.enqueue(
            self.wire
                .encode_response(self.nsp(), &self.uid, to, response),
            None,
        );
        if let Err(e) = r {
            tracing::warn!(nsp = %self.nsp(), "redis adapter: answer not published: {e}");
        }
    }

    /// How many other servers serve this namespace.
    async fn others(&self) -> Result<usize, AdapterError> {
        Ok(self.server_count().await?.saturating_sub(1))
    }

    fn register(&self, request_id: &str, kind: RequestKind, waiter: Waiter) {
        self.pending
            .lock()
            .insert(request_id.to_owned(), Pending { kind, waiter });
    }

    fn forget(&self, request_id: &str) {
        self.pending.lock().remove(request_id);
    }

    /// Publishes a request and collects `expected` answers within the requests timeout.
    async fn ask(
        &self,
        request_id: String,
        kind: RequestKind,
        request: Request,
        expected: usize,
        timeout: Duration,
    ) -> Result<Vec<Response>, (AdapterError, Vec<Response>)> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.register(&request_id, kind, Waiter::Responses(tx));
        if let Err(e) = self.publish_request(&request) {
            self.forget(&request_id);
            return Err((e, Vec::new()));
        }
        let mut answers = Vec::with_capacity(expected);
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        while answers.len() < expected {
            tokio::select! {
                answer = rx.recv() => match answer {
                    Some(answer) => answers.push(answer),
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        self.forget(&request_id);
        if answers.len() < expected {
            let err = AdapterError::Timeout {
                received: answers.len(),
                expected,
            };
            return Err((err, answers));
        }
        Ok(answers)
    }

    fn on_room_event(&self, event: &RoomEvent<socketio_adapter::Sid>) {
        let Some(sharded) = &self.sharded else { return };
        let (room, subscribe) = match event {
            RoomEvent::Create(room) => (room, true),
            RoomEvent::Delete(room) => (room, false),
            _ => return,
        };
        let Some(channel) = sharded.room_channel(self.nsp(), room) else {
            return;
        };
        let conn = self.conn.clone();
        self.conn.spawn(async move {
            let subs = crate::connection::Subscriptions {
                shard_channels: vec![channel],
                ..Default::default()
            };
            let done = if subscribe {
                conn.subscribe(&subs).await
            } else {
                conn.unsubscribe(&subs).await
            };
            if let Err(e) = done {
                tracing::warn!("redis adapter: room channel (un)subscription failed: {e}");
            }
        });
    }

    /// Whether the server has connection state recovery on.
    fn recovery_on(&self) -> bool {
        self.local
            .namespace()
            .is_some_and(|ns| ns.recovery().is_some())
    }

    /// A message of another server; `offset`: its stream entry id (the streams format).
    fn handle(&self, sender: Option<String>, request: Request, offset: Option<&str>) {
        let to = sender.as_deref();
        match request {
            Request::Broadcast { packet, opts } => {
                let mut packet = self.in_namespace(packet);
                match offset {
                    Some(offset) => {
                        if self.recovery_on() && keeps_offset(&packet, &opts) {
                            push_offset(&mut packet, offset);
                        }
                    }
                    // Offsets of this server for the other formats.
                    None => {
                        self.local.record(&mut packet, &opts);
                    }
                }
                self.local.broadcast_local(&packet, &opts);
            }
            Request::BroadcastWithAck {
                request_id,
                packet,
                opts,
            } => {
                let packet = self.in_namespace(packet);
                let timeout = opts
                    .flags
                    .timeout
                    .map(Duration::from_millis)
                    .unwrap_or(self.settings.requests_timeout);
                let (tx, mut rx) = ack_channel();
                self.local
                    .broadcast_with_ack_local(&packet, &opts, timeout, &tx);
                drop(tx);
                let me = self.me.clone();
                let to = sender.clone();
                self.conn.spawn(async move {
                    while let Some(event) = rx.next().await {
                        let Some(me) = me.upgrade() else { return };
                        let response = match event {
                            AckEvent::Count(count) => Response::ClientCount {
                                request_id: request_id.clone(),
                                count,
                            },
                            AckEvent::Ack(args) => Response::BroadcastAck {
                                request_id: request_id.clone(),
                                value: args.into_iter().next().unwrap_or_default(),
                            },
                        };
                        me.respond(to.as_deref(), &response);
                    }
                });
            }
            Request::SocketsJoin { opts, rooms } => self.local.add_sockets_local(&opts, &rooms),
            Request::SocketsLeave { opts, rooms } => self.local.del_sockets_local(&opts, &rooms),
            Request::DisconnectSockets { opts, close } => self.local.disconnect_local(&opts, close),
            Request::FetchSockets { request_id, opts } => {
                let sockets = self.local.fetch_local(&opts);
                self.respond(
                    to,
                    &Response::FetchSockets {
                        request_id,
                        sockets,
                    },
                );
            }
            Request::ServerSideEmit { request_id, args } => {
                let Some(ns) = self.local.namespace() else {
                    return;
                };
                let ack = request_id.map(|request_id| {
                    let me = self.me.clone();
                    let to = sender.clone();
                    Box::new(move |value: Value| {
                        if let Some(me) = me.upgrade() {
                            me.respond(
                                to.as_deref(),
                                &Response::ServerSideEmit { request_id, value },
                            );
                        }
                    }) as socketio_adapter::ServerAck
                });
                ns.server_side_emit(args, ack);
            }
            Request::AllRooms { request_id } => {
                let rooms = self.local.local_rooms();
                self.respond(to, &Response::AllRooms { request_id, rooms });
            }
            Request::Sockets { request_id, rooms } => {
                let opts = BroadcastOptions::default().to(rooms);
                let sids = self
                    .local
                    .targets(&opts)
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                self.respond(to, &Response::Sockets { request_id, sids });
            }
            Request::OneSocket {
                request_id,
                sid,
                action,
            } => {
                let Some(sid) = socketio_adapter::Sid::parse(&sid) else {
                    return;
                };
                if !self.local.has_socket(&sid) {
                    return;
                }
                let only = BroadcastOptions::default().to([sid.as_str()]);
                match action {
                    OneSocketAction::Join(room) => self.local.add_all(sid, &[room]),
                    OneSocketAction::Leave(room) => self.local.del(sid, &room),
                    OneSocketAction::Disconnect(close) => self.local.disconnect_local(&only, close),
                }
                self.respond(to, &Response::Done { request_id });
            }
            Request::InitialHeartbeat | Request::Heartbeat | Request::AdapterClose => {}
        }
    }

    /// A packet from another server, addressed to this namespace.
    fn in_namespace(&self, mut packet: Packet) -> Packet {
        packet.nsp = self.nsp().to_owned();
        packet
    }

    fn answer(&self, response: Response) {
        let pending = self.pending.lock();
        let Some(p) = pending.get(response.request_id()) else {
            return;
        };
        match &p.waiter {
            Waiter::Responses(tx) => {
                let _ = tx.send(response);
            }
            Waiter::Acks(tx) => {
                let event = match response {
                    Response::ClientCount { count, .. } => AckEvent::Count(count),
                    Response::BroadcastAck { value, .. } => AckEvent::Ack(vec![value]),
                    _ => return,
                };
                let _ = tx.unbounded_send(event);
            }
        }
    }
}

impl Sink for ClusterAdapter {
    fn on_message(&self, channel: &str, payload: Bytes) {
        let kind_of = |id: &str| self.pending.lock().get(id).map(|p| p.kind);
        let decoded = self
            .wire
            .decode(self.nsp(), &self.uid, channel, &payload, &kind_of);
        match decoded {
            Some(Incoming::Response(response)) => self.answer(response),
            Some(Incoming::Request { uid, request }) => {
                if uid.as_deref() == Some(self.uid.as_str()) {
                    return;
                }
                self.handle(uid, request, None);
            }
            None => {}
        }
    }
}

impl StreamSink for ClusterAdapter {
    fn on_entry(&self, id: &str, fields: &[(String, Bytes)]) {
        if let Some(Incoming::Request { uid, request }) =
            self.wire.decode_entry(self.nsp(), &self.uid, fields)
        {
            self.handle(uid, request, Some(id));
        }
    }
}

/// Whether a broadcast gets an offset (Node: an EVENT without ack, not volatile).
fn keeps_offset(packet: &Packet, opts: &BroadcastOptions) -> bool {
    packet.kind.is_event() && packet.id.is_none() && !opts.flags.is_volatile()
}

fn push_offset(packet: &mut Packet, offset: &str) {
    if let Some(Value::Array(items)) = packet.data.as_mut() {
        items.push(Value::from(offset));
    }
}

impl Adapter for ClusterAdapter {
    fn init(&self) -> BoxFuture<Result<(), AdapterError>> {
        let nsp = self.nsp().to_owned();
        let subs = self.wire.subscriptions(&nsp, &self.uid);
        let mut subs_all = subs.clone();
        if let Some(sharded) = &self.sharded {
            subs_all.shard_channels.extend(
                room_channels(sharded, &nsp, self.local.local_rooms().iter()).collect::<Vec<_>>(),
            );
            let me = self.me.clone();
            self.local.on_room_event(Arc::new(move |_, event| {
                if let Some(me) = me.upgrade() {
                    me.on_room_event(event);
                }
            }));
        }
        let sink: Weak<dyn Sink> = self.me.clone();
        for prefix in self.wire.routes(&nsp, &self.uid) {
            self.conn.add_route(prefix, sink.clone());
        }
        if let (Some(streams), Some(key)) = (&self.streams, self.wire.stream(&nsp)) {
            let sink: Weak<dyn StreamSink> = self.me.clone();
            self.conn.add_stream_route(
                &key,
                &nsp,
                sink,
                streams.config.read_count,
                streams.config.block_time,
            );
        }
        let conn = self.conn.clone();
        Box::pin(async move { conn.subscribe(&subs_all).await })
    }

    fn close(&self) -> BoxFuture<Result<(), AdapterError>> {
        let nsp = self.nsp().to_owned();
        for prefix in self.wire.routes(&nsp, &self.uid) {
            self.conn.remove_route(&prefix);
        }
        if let Some(key) = self.wire.stream(&nsp) {
            self.conn.remove_stream_route(&key, &nsp);
        }
        let subs = self.wire.subscriptions(&nsp, &self.uid);
        let conn = self.conn.clone();
        Box::pin(async move { conn.unsubscribe(&subs).await })
    }

    fn server_count(&self) -> BoxFuture<Result<usize, AdapterError>> {
        let (channel, sharded) = self.wire.server_count_channel(self.nsp());
        let conn = self.conn.clone();
        Box::pin(async move { conn.numsub(&channel, sharded).await.map(|n| n.max(1)) })
    }

    fn on_room_event(&self, listener: socketio_adapter::RoomListener) {
        self.local.on_room_event(listener);
    }

    fn add_all(&self, sid: socketio_adapter::Sid, rooms: &[Room]) {
        self.local.add_all(sid, rooms);
    }

    fn del(&self, sid: socketio_adapter::Sid, room: &str) {
        self.local.del(sid, room);
    }

    fn del_all(&self, sid: socketio_adapter::Sid) {
        self.local.del_all(sid);
    }

    fn socket_rooms(&self, sid: socketio_adapter::Sid) -> Vec<Room> {
        self.local.socket_rooms(sid)
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<socketio_adapter::Sid> {
        self.local.local_sockets(opts)
    }

    fn local_rooms(&self) -> Vec<Room> {
        self.local.local_rooms()
    }

    fn broadcast(&self, mut packet: Packet, opts: BroadcastOptions) -> usize {
        if self.streams.is_some() && !opts.flags.is_local() {
            // As Node's streams adapter: the entry id of the XADD is the offset, so this
            // server's clients get the packet once Redis answered (without an offset, at
            // once, if Redis cannot be reached).
            let me = self.me.clone();
            let local = (packet.clone(), opts.clone());
            let then: Then = Box::new(move |result| {
                let Some(me) = me.upgrade() else { return };
                let (mut packet, opts) = local;
                if let Ok(Some(offset)) = &result {
                    if me.recovery_on() && keeps_offset(&packet, &opts) {
                        push_offset(&mut packet, offset);
                    }
                }
                me.local.broadcast_local(&packet, &opts);
            });
            let _ = self.publish_request_then(&Request::Broadcast { packet, opts }, Some(then));
            return 0;
        }
        // The other formats keep this server's offsets (recovery on one server).
        let plain = packet.clone();
        self.local.record(&mut packet, &opts);
        let count = self.local.broadcast_local(&packet, &opts);
        if !opts.flags.is_local() {
            let _ = self.publish_request(&Request::Broadcast {
                packet: plain,
                opts,
            });
        }
        count
    }

    fn persist_session(
        &self,
        session: socketio_adapter::Session,
    ) -> BoxFuture<Result<(), AdapterError>> {
        let Some(streams) = self.streams.clone() else {
            return self.local.persist_session(session);
        };
        let Some(ttl) = self
            .local
            .namespace()
            .and_then(|ns| ns.recovery())
            .map(|r| r.max_disconnection_duration)
        else {
            return Box::pin(async { Ok(()) });
        };
        let conn = self.conn.clone();
        Box::pin(async move {
            let value = Streams::encode_session(&session)?;
            let mut cmd = redis::cmd("SET");
            cmd.arg(streams.session_key(&session.pid))
                .arg(&value[..])
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
            conn.query::<()>(&cmd).await
        })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<Result<socketio_adapter::RestoredSession, socketio_adapter::RecoveryFailure>>
    {
        let Some(streams) = self.streams.clone() else {
            return self.local.restore_session(pid, offset);
        };
        let conn = self.conn.clone();
        let nsp = self.nsp().to_owned();
        Box::pin(async move { restore_from_stream(&conn, &streams, &nsp, &pid, &offset).await })
    }

    // The classic and sharded formats keep sessions and offsets in this server's memory
    // store: its expiry timer purges it. The streams format keeps sessions in Redis with an
    // expiry (`SET .. PX`) and its offsets are stream entry ids: the local store stays empty.
    fn purge_expired(&self, now: Instant) -> Option<Instant> {
        self.local.purge_expired(now)
    }

    fn recovery_stats(&self) -> Option<socketio_adapter::RecoveryStats> {
        if self.streams.is_some() {
            return None;
        }
        self.local.recovery_stats()
    }

    fn broadcast_with_ack(&self, packet: Packet, opts: BroadcastOptions) -> AckStream {
        let timeout = opts
            .flags
            .timeout
            .map(Duration::from_millis)
            .unwrap_or(self.settings.requests_timeout);
        let (tx, events) = ack_channel();
        let local_only = opts.flags.is_local();
        let request_id = self.wire.new_request_id();
        if !local_only {
            self.register(
                &request_id,
                RequestKind::BroadcastWithAck,
                Waiter::Acks(tx.clone()),
            );
        }
        self.local
            .broadcast_with_ack_local(&packet, &opts, timeout, &tx);
        drop(tx);
        if local_only {
            return AckStream {
                servers: Box::pin(async { Ok(1) }),
                events,
            };
        }
        let published = self.publish_request(&Request::BroadcastWithAck {
            request_id: request_id.clone(),
            packet,
            opts,
        });
        // The answers are awaited until the timeout; the request is then forgotten.
        let me = self.me.clone();
        let id = request_id.clone();
        self.conn.spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(me) = me.upgrade() {
                me.forget(&id);
            }
        });
        let servers = match published {
            Ok(()) => self.server_count(),
            // Nothing went out: only this server will report.
            Err(_) => Box::pin(async { Ok(1) }),
        };
        AckStream { servers, events }
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<Result<Vec<SocketInfo>, AdapterError>> {
        let local = self.local.fetch_local(&opts);
        if opts.flags.is_local() {
            return Box::pin(async move { Ok(local) });
        }
        let Some(me) = self.me.upgrade() else {
            return Box::pin(async move { Ok(local) });
        };
        Box::pin(async move {
            let others = me.others().await?;
            if others == 0 {
                return Ok(local);
            }
            let request_id = me.wire.new_request_id();
            let timeout = opts
                .flags
                .timeout
                .map(Duration::from_millis)
                .unwrap_or(me.settings.requests_timeout);
            let request = Request::FetchSockets {
                request_id: request_id.clone(),
                opts,
            };
            let answers = me
                .ask(
                    request_id,
                    RequestKind::FetchSockets,
                    request,
                    others,
                    timeout,
                )
                .await
                .map_err(|(e, _)| e)?;
            let mut all = local;
            for answer in answers {
                if let Response::FetchSockets { sockets, .. } = answer {
                    all.extend(sockets);
                }
            }
            Ok(all)
        })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.local.add_sockets_local(&opts, &rooms);
        let r = if opts.flags.is_local() {
            Ok(())
        } else {
            self.publish_request(&Request::SocketsJoin { opts, rooms })
        };
        Box::pin(async move { r })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.local.del_sockets_local(&opts, &rooms);
        let r = if opts.flags.is_local() {
            Ok(())
        } else {
            self.publish_request(&Request::SocketsLeave { opts, rooms })
        };
        Box::pin(async move { r })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.local.disconnect_local(&opts, close);
        let r = if opts.flags.is_local() {
            Ok(())
        } else {
            self.publish_request(&Request::DisconnectSockets { opts, close })
        };
        Box::pin(async move { r })
    }

    fn server_side_emit(&self, args: Vec<Value>) -> BoxFuture<Result<(), AdapterError>> {
        let r = self.publish_request(&Request::ServerSideEmit {
            request_id: None,
            args,
        });
        Box::pin(async move { r })
    }

    fn server_side_emit_with_ack(
        &self,
        args: Vec<Value>,
        _timeout: Duration,
    ) -> BoxFuture<ServerAnswers> {
        let Some(me) = self.me.upgrade() else {
            return Box::pin(async { Err((AdapterError::Closed, Vec::new())) });
        };
        Box::pin(async move {
            let others = me.others().await.map_err(|e| (e, Vec::new()))?;
            if others == 0 {
                return Ok(Vec::new());
            }
            let request_id = me.wire.new_request_id();
            let request = Request::ServerSideEmit {
                request_id: Some(request_id.clone()),
                args,
            };
            let timeout = me.settings.requests_timeout;
            let values = |answers: Vec<Response>| -> Vec<Value> {
                answers
                    .into_iter()
                    .filter_map(|a| match a {
                        Response::ServerSideEmit { value, .. } => Some(value),
                        _ => None,
                    })
                    .collect()
            };
            match me
                .ask(
                    request_id,
                    RequestKind::ServerSideEmit,
                    request,
                    others,
                    timeout,
                )
                .await
            {
                Ok(answers) => Ok(values(answers)),
                Err((e, answers)) => Err((e, values(answers))),
            }
        })
    }

    fn all_rooms(&self) -> BoxFuture<Result<Vec<Room>, AdapterError>> {
        let local = self.local.local_rooms();
        let Some(me) = self.me.upgrade() else {
            return Box::pin(async move { Ok(local) });
        };
        if me.sharded.is_some() {
            // The cluster format has no request for it.
            return Box::pin(async move { Ok(local) });
        }
        Box::pin(async move {
            let others = me.others().await?;
            let mut all = local;
            if others == 0 {
                return Ok(all);
            }
            let request_id = me.wire.new_request_id();
            let request = Request::AllRooms {
                request_id: request_id.clone(),
            };
            let timeout = me.settings.requests_timeout;
            let answers = me
                .ask(request_id, RequestKind::AllRooms, request, others, timeout)
                .await
                .map_err(|(e, _)| e)?;
            for answer in answers {
                if let Response::AllRooms { rooms, .. } = answer {
                    for room in rooms {
                        if !all.contains(&room) {
                            all.push(room);
                        }
                    }
                }
            }
            Ok(all)
        })
    }
}

/// Publishes the queue in order, batching what is waiting into one pipeline, then runs the
/// jobs' completions in the same order.
async fn publish_loop(conn: Weak<RedisConnection>, mut rx: mpsc::Receiver<Job>) {
    const BATCH: usize = 64;
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let Some(c) = conn.upgrade() else { return };
        let messages: Vec<Publish> = batch.iter().map(|j| j.publish.clone()).collect();
        let result = c.publish(&messages).await;
        drop(c);
        match result {
            Ok(ids) => {
                let ids = ids.into_iter().chain(std::iter::repeat(None));
                for (job, id) in batch.drain(..).zip(ids) {
                    if let Some(then) = job.then {
                        then(Ok(id));
                    }
                }
            }
            Err(e) => {
                tracing::warn!(
                    "redis adapter: {} message(s) not published: {e}",
                    batch.len()
                );
                for job in batch.drain(..) {
                    if let Some(then) = job.then {
                        then(Err(e.clone()));
                    }
                }
            }
        }
    }
}

/// Node's `restoreSession` of the streams adapter: the session (taken, `GET` + `DEL`) and
/// the offset must both exist; then every broadcast of the namespace after the offset that
/// reached the session's rooms, with its entry id as offset. Volatile broadcasts are not
/// replayed (Node replays them).
async fn restore_from_stream(
    conn: &RedisConnection,
    streams: &Streams,
    nsp: &str,
    pid: &str,
    offset: &str,
) -> Result<socketio_adapter::RestoredSession, socketio_adapter::RecoveryFailure> {
    use socketio_adapter::RecoveryFailure;
    if !is_entry_id(offset) {
        return Err(RecoveryFailure::OffsetNotFound);
    }
    let key = streams.stream_key(nsp);
    let mut take = redis::pipe();
    take.atomic()
        .cmd("GET")
        .arg(streams.session_key(pid))
        .cmd("DEL")
        .arg(streams.session_key(pid))
        .ignore();
    let (raw,): (Option<Vec<u8>>,) = conn.query_pipe(&take).await?;
    let mut exists = redis::cmd("XRANGE");
    exists.arg(&key).arg(offset).arg(offset);
    let found: redis::Value = conn.query(&exists).await?;
    let Some(session) = raw.as_deref().and_then(Streams::decode_session) else {
        return Err(RecoveryFailure::UnknownSession);
    };
    if stream_entries(&found).is_empty() {
        return Err(RecoveryFailure::OffsetNotFound);
    }
    let mut missed = Vec::new();
    let mut start = next_entry_id(offset);
    for _ in 0..100 {
        let Some(from) = start.take() else { break };
        let mut range = redis::cmd("XRANGE");
        range
            .arg(&key)
            .arg(&from)
            .arg("+")
            .arg("COUNT")
            .arg(streams.config.read_count);
        let page: redis::Value = conn.query(&range).await?;
        let entries = stream_entries(&page);
        let Some((last, _)) = entries.last() else {
            break;
        };
        start = next_entry_id(last);
        for (id, fields) in &entries {
            let Some((_, entry_nsp, t, data)) = streams.entry(fields) else {
                continue;
            };
            if entry_nsp != nsp || t != crate::sharded::kind::BROADCAST {
                continue;
            }
            let Some(Request::Broadcast { mut packet, opts }) =
                crate::sharded::cluster_request(t, data.as_ref())
            else {
                continue;
            };
            // As the Node streams adapter: every broadcast of the stream that reaches the
            // session's rooms is replayed, volatile ones too, as a plain event (an ack id is
            // dropped: nobody waits for it any more).
            if !packet.kind.is_event() || !Streams::includes(&session.rooms, &opts) {
                continue;
            }
            packet.id = None;
            packet.nsp = nsp.to_owned();
            push_offset(&mut packet, id);
            missed.push(packet);
        }
    }
    Ok(socketio_adapter::RestoredSession { session, missed })
}
