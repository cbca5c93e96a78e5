//! `socketio-adapter-redis`: Socket.IO servers sharing rooms and broadcasts through Redis,
//! wire-compatible with Node's `@socket.io/redis-adapter` 8.3 and `@socket.io/redis-emitter`
//! 5.1, so that Rust and Node servers can serve one application side by side.
//!
//! - [`create_adapter`]: the classic format (`createAdapter(pubClient, subClient)`): msgpack
//!   broadcasts on `<key>#<nsp>#` (and `<key>#<nsp>#<room>#` for exactly one room), JSON
//!   requests on `<key>-request#<nsp>#`, answers on `<key>-response#<nsp>#`, the server count
//!   from `PUBSUB NUMSUB`.
//! - [`create_sharded_adapter`]: the sharded format (`createShardedAdapter`, Redis 7
//!   `SSUBSCRIBE` / `SPUBLISH`): Node's cluster messages 1–13, a channel per public room in the
//!   dynamic subscription modes.
//! - [`create_streams_adapter`]: Node's `@socket.io/redis-streams-adapter` 0.3 (one Redis
//!   stream, `XADD` with `MAXLEN`, read by every server, which resumes after the last entry
//!   it read when its connection comes back: nothing published meanwhile is lost), and
//!   connection state recovery across servers: sessions
//!   kept in Redis, so a client that drops from one server recovers on another, Rust or Node.
//! - [`Emitter`]: emit to the sockets of a cluster from a process that runs no Socket.IO
//!   server (`@socket.io/redis-emitter`).
//!
//! The adapters are one cluster state machine (`cluster.rs`: local delivery, an ordered
//! publish queue, requests that wait for a counted number of answers with a timeout) over a
//! wire format (`classic.rs`, `sharded.rs`, `streams.rs`); the Redis client is `redis` (redis-rs) with its
//! tokio connection manager: maintained, RESP3 push messages, automatic reconnection and
//! resubscription (Redis 6 or later).
//!
//! Redis going away is a fault the server survives: local delivery goes on, publishing and
//! requests fail fast with [`AdapterError::Backend`](socketio_adapter::AdapterError) (never an
//! unbounded queue: [`RedisAdapterConfig::publish_queue`]), and the connections come back with
//! their subscriptions once Redis answers again.
//!
//! ```no_run
//! use socketio::SocketIo;
//! use socketio_adapter_redis::{create_adapter, RedisAdapterConfig, RedisConnection};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
//! let io = SocketIo::builder()
//!     .adapter(create_adapter(redis, RedisAdapterConfig::default()))
//!     .build();
//! io.emit("hello", "every server"); // reaches the clients of every server of the cluster
//! # Ok(())
//! # }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod classic;
mod cluster;
mod connection;
mod emitter;
mod message;
mod sharded;
mod streams;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use socketio_adapter::{Adapter, AdapterFactory};

pub use connection::{ConnectionConfig, RedisConnection};
pub use emitter::{Emitter, EmitterOperators};
pub use sharded::SubscriptionMode;
pub use streams::StreamsAdapterConfig;

use classic::Classic;
use cluster::{ClusterAdapter, ClusterSettings};
use sharded::Sharded;

/// Options of the classic adapter, with Node's names and defaults.
#[derive(Clone, Debug)]
pub struct RedisAdapterConfig {
    /// The channel prefix (Node's `key`). Default `socket.io`.
    pub key: String,
    /// How long a request (fetch sockets, server-side emit with ack, all rooms) waits for the
    /// other servers (Node's `requestsTimeout`). Default 5000 ms.
    pub requests_timeout: Duration,
    /// Answers go to the requester's own channel (Node's `publishOnSpecificResponseChannel`).
    /// Default false.
    pub publish_on_specific_response_channel: bool,
    /// How many messages may wait to be published (ours; Node queues without bound). Past it,
    /// a broadcast reaches this server's clients only and the error is logged. Default 4096.
    pub publish_queue: usize,
}

impl Default for RedisAdapterConfig {
    fn default() -> Self {
        RedisAdapterConfig {
            key: "socket.io".into(),
            requests_timeout: Duration::from_millis(5000),
            publish_on_specific_response_channel: false,
            publish_queue: 4096,
        }
    }
}

/// Options of the sharded adapter, with Node's names and defaults.
#[derive(Clone, Debug)]
pub struct ShardedAdapterConfig {
    /// The channel prefix (Node's `channelPrefix`). Default `socket.io`.
    pub channel_prefix: String,
    /// Which rooms get a channel of their own (Node's `subscriptionMode`). Default dynamic.
    pub subscription_mode: SubscriptionMode,
    /// How long a request waits for the other servers (Node: 5000 ms, fixed). Default 5000 ms.
    pub requests_timeout: Duration,
    /// As [`RedisAdapterConfig::publish_queue`]. Default 4096.
    pub publish_queue: usize,
}

impl Default for ShardedAdapterConfig {
    fn default() -> Self {
        ShardedAdapterConfig {
            channel_prefix: "socket.io".into(),
            subscription_mode: SubscriptionMode::Dynamic,
            requests_timeout: Duration::from_millis(5000),
            publish_queue: 4096,
        }
    }
}

/// The classic Redis adapter (Node's `createAdapter`), for `SocketIo::builder().adapter(..)`.
pub fn create_adapter(conn: Arc<RedisConnection>, config: RedisAdapterConfig) -> AdapterFactory {
    let wire: Arc<Classic> = Arc::new(Classic {
        key: config.key,
        specific_response_channel: config.publish_on_specific_response_channel,
    });
    let settings = ClusterSettings {
        requests_timeout: config.requests_timeout,
        publish_queue: config.publish_queue,
    };
    Arc::new(move |ns| {
        ClusterAdapter::new(ns, conn.clone(), wire.clone(), None, None, settings.clone())
            as Arc<dyn Adapter>
    })
}

/// The sharded Redis adapter (Node's `createShardedAdapter`; Redis 7 or later).
pub fn create_sharded_adapter(
    conn: Arc<RedisConnection>,
    config: ShardedAdapterConfig,
) -> AdapterFactory {
    let sharded = Sharded {
        prefix: config.channel_prefix,
        mode: config.subscription_mode,
    };
    let wire: Arc<Sharded> = Arc::new(sharded.clone());
    let settings = ClusterSettings {
        requests_timeout: config.requests_timeout,
        publish_queue: config.publish_queue,
    };
    Arc::new(move |ns| {
        ClusterAdapter::new(
            ns,
            conn.clone(),
            wire.clone(),
            Some(sharded.clone()),
            None,
            settings.clone(),
        ) as Arc<dyn Adapter>
    })
}

/// The streams adapter (Node's `@socket.io/redis-streams-adapter` 0.3 `createAdapter`):
/// broadcasts through a Redis stream whose entry ids are the connection-state-recovery
/// offsets, sessions kept in Redis, so that a client that drops from one server recovers on
/// another.
pub fn create_streams_adapter(
    conn: Arc<RedisConnection>,
    config: StreamsAdapterConfig,
) -> AdapterFactory {
    let streams = streams::Streams { config };
    let wire: Arc<streams::Streams> = Arc::new(streams.clone());
    let settings = ClusterSettings {
        requests_timeout: streams.config.requests_timeout,
        publish_queue: streams.config.publish_queue,
    };
    Arc::new(move |ns| {
        ClusterAdapter::new(
            ns,
            conn.clone(),
            wire.clone(),
            None,
            Some(streams.clone()),
            settings.clone(),
        ) as Arc<dyn Adapter>
    })
}
