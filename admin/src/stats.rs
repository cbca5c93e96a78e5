//! `server_stats`: the counts of this server and the engine events aggregated per second
//! (Node's `EventBuffer`), drained at every emit.

use indexmap::IndexMap;
use socketio::{Map, Value};

/// An aggregated engine event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// An Engine.IO connection opened.
    RawConnection,
    /// An Engine.IO connection closed (with the close reason as subtype).
    RawDisconnection,
    /// Messages received.
    PacketsIn,
    /// Bytes of the messages received.
    BytesIn,
    /// Messages sent.
    PacketsOut,
    /// Bytes of the messages sent.
    BytesOut,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::RawConnection => "rawConnection",
            Kind::RawDisconnection => "rawDisconnection",
            Kind::PacketsIn => "packetsIn",
            Kind::BytesIn => "bytesIn",
            Kind::PacketsOut => "packetsOut",
            Kind::BytesOut => "bytesOut",
        }
    }
}

/// Counts per (second, type, subtype), in the order they first happened.
#[derive(Debug, Default)]
pub(crate) struct EventBuffer {
    counts: IndexMap<(u64, Kind, Option<&'static str>), u64>,
}

impl EventBuffer {
    /// Adds `count` to the bucket of `at_ms` (epoch milliseconds, cut down to the second).
    pub(crate) fn push(&mut self, at_ms: u64, kind: Kind, sub: Option<&'static str>, count: u64) {
        let second = at_ms - at_ms % 1000;
        *self.counts.entry((second, kind, sub)).or_insert(0) += count;
    }

    /// Every bucket as `{timestamp, type, subType?, count}`, emptying the buffer.
    pub(crate) fn drain(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.counts)
            .into_iter()
            .map(|((timestamp, kind, sub), count)| {
                let mut entry = Map::new();
                entry.insert("timestamp".into(), Value::from(timestamp));
                entry.insert("type".into(), Value::from(kind.as_str()));
                if let Some(sub) = sub {
                    entry.insert("subType".into(), Value::from(sub));
                }
                entry.insert("count".into(), Value::from(count));
                Value::Object(entry)
            })
            .collect()
    }
}

/// What one `server_stats` event says (key order as Node's).
pub(crate) struct ServerStats<'a> {
    pub(crate) server_id: &'a str,
    pub(crate) hostname: &'a str,
    pub(crate) uptime_secs: f64,
    pub(crate) clients: usize,
    pub(crate) polling_clients: usize,
    pub(crate) events: Vec<Value>,
    /// Name and local socket count of every namespace.
    pub(crate) namespaces: Vec<(String, usize)>,
}

impl ServerStats<'_> {
    pub(crate) fn to_value(&self) -> Value {
        let mut out = Map::new();
        out.insert("serverId".into(), Value::from(self.server_id));
        out.insert("hostname".into(), Value::from(self.hostname));
        out.insert("pid".into(), Value::from(std::process::id()));
        out.insert("uptime".into(), Value::from(self.uptime_secs));
        out.insert("clientsCount".into(), Value::from(self.clients));
        out.insert(
            "pollingClientsCount".into(),
            Value::from(self.polling_clients),
        );
        out.insert("aggregatedEvents".into(), Value::Array(self.events.clone()));
        let namespaces = self
            .namespaces
            .iter()
            .map(|(name, count)| {
                let mut ns = Map::new();
                ns.insert("name".into(), Value::from(name.as_str()));
                ns.insert("socketsCount".into(), Value::from(*count));
                Value::Object(ns)
            })
            .collect();
        out.insert("namespaces".into(), Value::Array(namespaces));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &Value) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn buckets_per_second_type_and_subtype_in_order() {
        let mut buffer = EventBuffer::default();
        buffer.push(1_796_053_352_120, Kind::RawConnection, None, 1);
        buffer.push(1_796_053_352_500, Kind::BytesIn, None, 50);
        buffer.push(1_796_053_352_999, Kind::BytesIn, None, 7);
        buffer.push(1_796_053_353_000, Kind::BytesIn, None, 1);
        buffer.push(
            1_796_053_353_001,
            Kind::RawDisconnection,
            Some("transport close"),
            1,
        );
        let events: Vec<String> = buffer.drain().iter().map(json).collect();
        assert_eq!(
            events,
            [
                r#"{"timestamp":1796053352000,"type":"rawConnection","count":1}"#,
                r#"{"timestamp":1796053352000,"type":"bytesIn","count":57}"#,
                r#"{"timestamp":1796053353000,"type":"bytesIn","count":1}"#,
                r#"{"timestamp":1796053353000,"type":"rawDisconnection","subType":"transport close","count":1}"#,
            ]
        );
        assert!(buffer.drain().is_empty(), "drained");
    }

    #[test]
    fn stats_keys_in_node_order() {
        let stats = ServerStats {
            server_id: "srv-1",
            hostname: "vm",
            uptime_secs: 3.5,
            clients: 3,
            polling_clients: 0,
            events: Vec::new(),
            namespaces: vec![("/".into(), 1), ("/admin".into(), 1)],
        };
        let text = json(&stats.to_value());
        let pid = std::process::id();
        assert_eq!(
            text,
            format!(
                r#"{{"serverId":"srv-1","hostname":"vm","pid":{pid},"uptime":3.5,"clientsCount":3,"pollingClientsCount":0,"aggregatedEvents":[],"namespaces":[{{"name":"/","socketsCount":1}},{{"name":"/admin","socketsCount":1}}]}}"#
            )
        );
    }
}
