//! `conformance-emitter --redis URL [--nsp /x] [--to ROOM].. [--except ROOM].. [--volatile] OP ..`:
//! one publication with our Redis emitter (`socketio_adapter_redis::Emitter`), for the cluster
//! tests. OP is one of:
//!
//! - `emit EVENT JSON` — JSON is the argument list (an array; `{"$bin":[1,2]}` items are binary);
//! - `join ROOM` / `leave ROOM` — sockets join / leave;
//! - `disconnect [close]` — sockets are disconnected;
//! - `sse EVENT JSON` — a server-side emit with one argument.
//!
//! Exits 0 once published, 1 on a Redis error, 2 on bad arguments.

use std::process::ExitCode;

use socketio::Value;
use socketio_adapter_redis::{Emitter, RedisConnection};

struct Args {
    redis: String,
    nsp: String,
    to: Vec<String>,
    except: Vec<String>,
    volatile: bool,
    op: Vec<String>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        redis: String::new(),
        nsp: "/".into(),
        to: Vec::new(),
        except: Vec::new(),
        volatile: false,
        op: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--redis" => args.redis = value()?,
            "--nsp" => args.nsp = value()?,
            "--to" => args.to.push(value()?),
            "--except" => args.except.push(value()?),
            "--volatile" => args.volatile = true,
            _ => args.op.push(a),
        }
    }
    if args.redis.is_empty() {
        return Err("--redis is required".into());
    }
    Ok(args)
}

/// JSON with `{"$bin":[..]}` objects turned into binary values.
fn with_binary(v: Value) -> Value {
    match v {
        Value::Object(map) if map.len() == 1 && map.contains_key("$bin") => {
            let bytes: Vec<u8> = map["$bin"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|b| b.as_u64())
                        .map(|b| b as u8)
                        .collect()
                })
                .unwrap_or_default();
            Value::from(bytes::Bytes::from(bytes))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(with_binary).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, with_binary(v))).collect())
        }
        other => other,
    }
}

fn json(text: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(text)
        .map(with_binary)
        .map_err(|e| format!("bad JSON {text:?}: {e}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("conformance-emitter: {e}");
            return ExitCode::from(2);
        }
    };
    let conn = match RedisConnection::connect(&args.redis).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("conformance-emitter: {e}");
            return ExitCode::from(1);
        }
    };
    let emitter = Emitter::new(conn).of(&args.nsp);
    let mut ops = emitter.to(args.to.clone()).except(args.except.clone());
    if args.volatile {
        ops = ops.volatile();
    }
    let op: Vec<&str> = args.op.iter().map(String::as_str).collect();
    let done = match op.as_slice() {
        ["emit", event, data] => match json(data) {
            Ok(Value::Array(items)) => ops.emit_args(event, items).await,
            Ok(_) => Err(socketio::AdapterError::Encoding(
                "emit: JSON must be an array".into(),
            )),
            Err(e) => {
                eprintln!("conformance-emitter: {e}");
                return ExitCode::from(2);
            }
        },
        ["join", room] => ops.sockets_join(*room).await,
        ["leave", room] => ops.sockets_leave(*room).await,
        ["disconnect"] => ops.disconnect_sockets(false).await,
        ["disconnect", "close"] => ops.disconnect_sockets(true).await,
        ["sse", event, data] => match json(data) {
            Ok(v) => emitter.server_side_emit(event, &v).await,
            Err(e) => {
                eprintln!("conformance-emitter: {e}");
                return ExitCode::from(2);
            }
        },
        other => {
            eprintln!("conformance-emitter: unknown operation {other:?}");
            return ExitCode::from(2);
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance-emitter: {e}");
            ExitCode::from(1)
        }
    }
}
