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
        let subscriber = ConnectionManager::new_with_config(client, sub_config)
            .await
            .map_err(backend)?;
        let conn = Arc::new(RedisConnection {
            publisher,
            subscriber,
            routes: RwLock::new(Vec::new()),
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

    /// `PUBLISH` (or `SPUBLISH`) a batch of messages in one round trip, in order.
    pub(crate) async fn publish(&self, messages: &[Publish]) -> Result<(), AdapterError> {
        if messages.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for m in messages {
            let cmd = if m.sharded { "SPUBLISH" } else { "PUBLISH" };
            pipe.cmd(cmd).arg(&m.channel).arg(&m.payload[..]).ignore();
        }
        let mut conn = self.publisher.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(backend)
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

/// One message to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Publish {
    pub(crate) channel: String,
    pub(crate) payload: Bytes,
    pub(crate) sharded: bool,
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
