//! The Redis side: one publishing and one subscribing connection per server (Node's `pubClient`
//! and `subClient`), shared by the adapters of every namespace, with reconnection,
//! resubscription and bounded waits.

use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::RwLock;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value as RedisValue};
use socketio_adapter::AdapterError;
use tokio::sync::mpsc;

/// How the Redis connections behave when Redis goes away.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    /// How long one connection attempt may take. Default 1000 ms.
    pub connection_timeout: Duration,
    /// How long one command may wait for its answer. Default 2000 ms.
    pub response_timeout: Duration,
    /// How often the subscriber checks its connection (a lost one is re-established and every
    /// subscription renewed). Default 1000 ms.
    pub health_interval: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            connection_timeout: Duration::from_millis(1000),
            response_timeout: Duration::from_millis(2000),
            health_interval: Duration::from_millis(1000),
        }
    }
}

/// Receives the entries of a stream that belong to one namespace.
pub(crate) trait StreamSink: Send + Sync + 'static {
    fn on_entry(&self, id: &str, fields: &[(String, Bytes)]);
}

struct StreamRoute {
    key: String,
    nsp: String,
    sink: Weak<dyn StreamSink>,
}

/// Receives the messages of the channels whose name starts with a registered prefix.
pub(crate) trait Sink: Send + Sync + 'static {
    fn on_message(&self, channel: &str, payload: Bytes);
}

struct Route {
    prefix: String,
    sink: Weak<dyn Sink>,
}

/// What to subscribe to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Subscriptions {
    /// `SUBSCRIBE` channels.
    pub(crate) channels: Vec<String>,
    /// `PSUBSCRIBE` patterns.
    pub(crate) patterns: Vec<String>,
    /// `SSUBSCRIBE` shard channels.
    pub(crate) shard_channels: Vec<String>,
}

/// A connection to one Redis server for the adapters (and emitters) of this process.
///
/// Redis going away is a fault the server survives: local delivery goes on; publishing
/// fails fast (within `connection_timeout` + `response_timeout`) with
/// [`AdapterError::Backend`]; the connections come back by themselves, with every
/// subscription renewed, once Redis answers again.
pub struct RedisConnection {
    publisher: ConnectionManager,
    subscriber: ConnectionManager,
    routes: RwLock<Vec<Route>>,
    client: redis::Client,
    config: ConnectionConfig,
    /// Where the entries of each stream go, by namespace (the streams adapter).
    stream_routes: RwLock<Vec<StreamRoute>>,
    /// The streams that have a reader.
    readers: parking_lot::Mutex<Vec<String>>,
    /// The runtime the connection was made on: the adapters' tasks run there, whichever
    /// thread creates a namespace.
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConnection").finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Backend(e.to_string())
}

impl RedisConnection {
    /// Connects to `url` (`redis://host:port[/db]`) with the default settings.
    pub async fn connect(url: &str) -> Result<Arc<RedisConnection>, AdapterError> {
        Self::connect_with(url, ConnectionConfig::default()).await
    }

    /// Connects with these settings. Needs Redis 6 or later (RESP3 push messages).
    pub async fn connect_with(
        url: &str,
        config: ConnectionConfig,
    ) -> Result<Arc<RedisConnection>, AdapterError> {
        let info: redis::ConnectionInfo = url.parse().map_err(backend)?;
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let info = info.set_redis_settings(settings);
        let client = redis::Client::open(info).map_err(backend)?;
        let base = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connection_timeout))
            .set_response_timeout(Some(config.response_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let publisher = ConnectionManager::new_with_config(client.clone(), base.clone())
            .await
            .map_err(backend)?;
        let (push_tx, push_rx) = mpsc::unbounded_channel();
        let sub_config = base.set_push_sender(push_tx).set_automatic_resubscription();
        let subscriber = ConnectionManager::new_with_config(client.clone(), sub_config)
            .await
            .map_err(backend)?;
        let conn = Arc::new(RedisConnection {
            publisher,
            subscriber,
            routes: RwLock::new(Vec::new()),
            client,
            config: config.clone(),
            stream_routes: RwLock::new(Vec::new()),
            readers: parking_lot::Mutex::new(Vec::new()),
            runtime: tokio::runtime::Handle::current(),
        });
        tokio::spawn(dispatch(Arc::downgrade(&conn), push_rx));
        tokio::spawn(keep_alive(Arc::downgrade(&conn), config.health_interval));
        Ok(conn)
    }

    /// Runs a task on the connection's runtime.
    pub(crate) fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, fut: F) {
        self.runtime.spawn(fut);
    }

    /// Routes the messages of channels starting with `prefix` to `sink`.
    pub(crate) fn add_route(&self, prefix: String, sink: Weak<dyn Sink>) {
        self.routes.write().push(Route { prefix, sink });
    }

    /// Stops routing `prefix`.
    pub(crate) fn remove_route(&self, prefix: &str) {
        self.routes.write().retain(|r| r.prefix != prefix);
    }

    fn route(&self, channel: &str, payload: Bytes) {
        let sinks: Vec<Arc<dyn Sink>> = self
            .routes
            .read()
            .iter()
            .filter(|r| channel.starts_with(&r.prefix))
            .filter_map(|r| r.sink.upgrade())
            .collect();
        for sink in sinks {
            sink.on_message(channel, payload.clone());
        }
    }

    /// Routes the entries of stream `key` for namespace `nsp` to `sink`, starting the stream's
    /// reader (one per stream, `XREAD BLOCK` on a connection of its own) if needed.
    pub(crate) fn add_stream_route(
        self: &Arc<Self>,
        key: &str,
        nsp: &str,
        sink: Weak<dyn StreamSink>,
        read_count: usize,
        block: Duration,
    ) {
        self.stream_routes.write().push(StreamRoute {
            key: key.to_owned(),
            nsp: nsp.to_owned(),
            sink,
        });
        let mut readers = self.readers.lock();
        if !readers.iter().any(|k| k == key) {
            readers.push(key.to_owned());
            self.spawn(read_stream(
                Arc::downgrade(self),
                key.to_owned(),
                read_count,
                block,
            ));
        }
    }

    /// Stops routing the entries of `key` for `nsp`.
    pub(crate) fn remove_stream_route(&self, key: &str, nsp: &str) {
        self.stream_routes
            .write()
            .retain(|r| !(r.key == key && r.nsp == nsp));
    }

    fn route_entry(&self, key: &str, id: &str, fields: &[(String, Bytes)]) {
        let nsp = fields
            .iter()
            .find(|(k, _)| k == "nsp")
            .and_then(|(_, v)| std::str::from_utf8(v).ok());
        let Some(nsp) = nsp else { return };
        let sinks: Vec<Arc<dyn StreamSink>> = self
            .stream_routes
            .read()
            .iter()
            .filter(|r| r.key == key && r.nsp == nsp)
            .filter_map(|r| r.sink.upgrade())
            .collect();
        for sink in sinks {
            sink.on_entry(id, fields);
        }
    }

    /// Runs a command on the publishing connection.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> Result<T, AdapterError> {
        let mut conn = self.publisher.clone();
        cmd.query_async(&mut conn).await.map_err(backend)
    }

    /// Runs a pipeline on the publishing connection.
    pub(crate) async fn query_pipe<T: redis::FromRedisValue>(
        &self,
        pipe: &redis::Pipeline,
    ) -> Result<T, AdapterError> {
        let mut conn = self.publisher.clone();
        pipe.query_async(&mut conn).await.map_err(backend)
    }

    /// Publishes a batch of messages in one round trip, in order; the entry id of each stream
    /// entry (`None` for channel messages).
    pub(crate) async fn publish(
        &self,
        messages: &[Publish],
    ) -> Result<Vec<Option<String>>, AdapterError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for m in messages {
            match m {
                Publish::Channel {
                    channel,
                    payload,
                    sharded,
                } => {
                    let cmd = if *sharded { "SPUBLISH" } else { "PUBLISH" };
                    pipe.cmd(cmd).arg(channel).arg(&payload[..]);
                }
                Publish::Stream {
                    key,
                    max_len,
                    fields,
                } => {
                    let cmd = pipe
                        .cmd("XADD")
                        .arg(key)
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(*max_len)
                        .arg("*");
                    for (name, value) in fields {
                        cmd.arg(*name).arg(&value[..]);
                    }
                }
            }
        }
        let mut conn = self.publisher.clone();
        let replies: Vec<RedisValue> = pipe.query_async(&mut conn).await.map_err(backend)?;
        Ok(replies
            .into_iter()
            .map(|v| match v {
                RedisValue::BulkString(b) => String::from_utf8(b).ok(),
                RedisValue::SimpleString(s) => Some(s),
                _ => None,
            })
            .collect())
    }

    /// How many clients are subscribed to `channel` (`PUBSUB NUMSUB`, or `SHARDNUMSUB`).
    pub(crate) async fn numsub(&self, channel: &str, sharded: bool) -> Result<usize, AdapterError> {
        let sub = if sharded { "SHARDNUMSUB" } else { "NUMSUB" };
        let mut conn = self.publisher.clone();
        let reply: Vec<RedisValue> = redis::cmd("PUBSUB")
            .arg(sub)
            .arg(channel)
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        Ok(match reply.get(1) {
            Some(RedisValue::Int(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        })
    }

    /// Subscribes (renewed after every reconnection).
    pub(crate) async fn subscribe(&self, subs: &Subscriptions) -> Result<(), AdapterError> {
        self.subscription_command(subs, ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"])
            .await
    }

    /// Unsubscribes.
    pub(crate) async fn unsubscribe(&self, subs: &Subscriptions) -> Result<(), AdapterError> {
        self.subscription_command(subs, ["UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"])
            .await
    }

    async fn subscription_command(
        &self,
        subs: &Subscriptions,
        commands: [&str; 3],
    ) -> Result<(), AdapterError> {
        let mut conn = self.subscriber.clone();
        for (names, command) in [&subs.channels, &subs.patterns, &subs.shard_channels]
            .into_iter()
            .zip(commands)
        {
            if names.is_empty() {
                continue;
            }
            redis::cmd(command)
                .arg(names)
                .exec_async(&mut conn)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }
}

/// One message to publish: on a pub/sub channel, or appended to a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Publish {
    /// `PUBLISH` (or `SPUBLISH`).
    Channel {
        channel: String,
        payload: Bytes,
        sharded: bool,
    },
    /// `XADD key MAXLEN ~ max_len * field value ...`; its entry id is the offset.
    Stream {
        key: String,
        max_len: usize,
        fields: Vec<(&'static str, Bytes)>,
    },
}

#[cfg(test)]
impl Publish {
    /// The channel or stream key.
    pub(crate) fn channel(&self) -> &str {
        match self {
            Publish::Channel { channel, .. } => channel,
            Publish::Stream { key, .. } => key,
        }
    }

    /// The payload of a channel message (empty for a stream entry).
    pub(crate) fn payload(&self) -> &[u8] {
        match self {
            Publish::Channel { payload, .. } => payload,
            Publish::Stream { .. } => &[],
        }
    }
}

/// Hands every pub/sub message to the adapters.
async fn dispatch(conn: Weak<RedisConnection>, mut rx: mpsc::UnboundedReceiver<PushInfo>) {
    while let Some(push) = rx.recv().await {
        let Some(conn) = conn.upgrade() else { return };
        let (channel, payload) = match (push.kind, push.data.as_slice()) {
            (PushKind::Message | PushKind::SMessage, [channel, payload]) => (channel, payload),
            (PushKind::PMessage, [_pattern, channel, payload]) => (channel, payload),
            (PushKind::Disconnection, _) => {
                tracing::warn!("redis subscriber disconnected; reconnecting");
                continue;
            }
            _ => continue,
        };
        let (Some(channel), Some(payload)) = (bytes_of(channel), bytes_of(payload)) else {
            continue;
        };
        let Ok(channel) = std::str::from_utf8(&channel) else {
            continue;
        };
        conn.route(channel, payload);
    }
}

fn bytes_of(v: &RedisValue) -> Option<Bytes> {
    match v {
        RedisValue::BulkString(b) => Some(Bytes::copy_from_slice(b)),
        RedisValue::SimpleString(s) => Some(Bytes::copy_from_slice(s.as_bytes())),
        _ => None,
    }
}

/// Reads a stream for ever (while the connection lives): `XREAD COUNT n BLOCK ms STREAMS key
/// <last id>`, from `$` at first; a lost connection is re-established and the reading resumes
/// after the last entry read.
async fn read_stream(conn: Weak<RedisConnection>, key: String, count: usize, block: Duration) {
    let mut reader: Option<ConnectionManager> = None;
    let mut last = "$".to_owned();
    loop {
        let Some(c) = conn.upgrade() else { return };
        if reader.is_none() {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(c.config.connection_timeout))
                .set_response_timeout(Some(block + c.config.response_timeout))
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_millis(500));
            match ConnectionManager::new_with_config(c.client.clone(), config).await {
                Ok(r) => reader = Some(r),
                Err(e) => {
                    drop(c);
                    tracing::warn!("redis stream reader: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            }
        }
        drop(c);
        let Some(r) = reader.as_mut() else { continue };
        let reply: Result<RedisValue, _> = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(u64::try_from(block.as_millis()).unwrap_or(5000))
            .arg("STREAMS")
            .arg(&key)
            .arg(&last)
            .query_async(r)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) => {
                tracing::warn!("redis stream reader: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let entries = stream_entries(&reply);
        let Some(c) = conn.upgrade() else { return };
        for (id, fields) in entries {
            c.route_entry(&key, &id, &fields);
            last = id;
        }
    }
}

/// The entries of an `XREAD` / `XRANGE` reply: `(id, [(field, value)])`, in order.
pub(crate) fn stream_entries(reply: &RedisValue) -> Vec<(String, Vec<(String, Bytes)>)> {
    fn text(v: &RedisValue) -> Option<String> {
        bytes_of(v).and_then(|b| String::from_utf8(b.to_vec()).ok())
    }
    fn entry(v: &RedisValue) -> Option<(String, Vec<(String, Bytes)>)> {
        let RedisValue::Array(parts) = v else {
            return None;
        };
        let [id, fields] = parts.as_slice() else {
            return None;
        };
        let pairs: Vec<(String, Bytes)> = match fields {
            RedisValue::Array(items) => items
                .chunks_exact(2)
                .filter_map(|kv| Some((text(&kv[0])?, bytes_of(&kv[1])?)))
                .collect(),
            RedisValue::Map(items) => items
                .iter()
                .filter_map(|(k, v)| Some((text(k)?, bytes_of(v)?)))
                .collect(),
            _ => return None,
        };
        Some((text(id)?, pairs))
    }
    fn entries_of(v: &RedisValue) -> Vec<(String, Vec<(String, Bytes)>)> {
        match v {
            RedisValue::Array(items) => items.iter().filter_map(entry).collect(),
            _ => Vec::new(),
        }
    }
    match reply {
        // XREAD, RESP3: {key: [entries]}
        RedisValue::Map(streams) => streams.iter().flat_map(|(_, v)| entries_of(v)).collect(),
        // XRANGE: [entries] (the connections speak RESP3, so an XREAD reply is a map).
        RedisValue::Array(_) => entries_of(reply),
        _ => Vec::new(),
    }
}

/// Pings the subscriber: a lost connection is noticed (and re-established, with its
/// subscriptions) even when nothing is published.
async fn keep_alive(conn: Weak<RedisConnection>, every: Duration) {
    let mut healthy = true;
    loop {
        tokio::time::sleep(every).await;
        let Some(c) = conn.upgrade() else { return };
        let mut sub = c.subscriber.clone();
        drop(c);
        let ok = redis::cmd("PING").exec_async(&mut sub).await.is_ok();
        if ok != healthy {
            if ok {
                tracing::info!("redis subscriber connected again");
            } else {
                tracing::warn!("redis subscriber unreachable; retrying every {every:?}");
            }
            healthy = ok;
        }
    }
}
