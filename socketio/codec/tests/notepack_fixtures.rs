//! Interop fixtures: bytes produced by npm `notepack.io` 3.0.1 and `socket.io-msgpack-parser`
//! 3.0.2 under Node 20, compared with what this crate writes and reads.
//!
//! They were generated outside the repository with this script (`npm install notepack.io@3
//! socket.io-msgpack-parser@3.0.2`, then `node fixtures.js`), which prints `<name> <hex>`:
//!
//! ```js
//! const np = require('notepack.io');
//! const { Encoder, Decoder } = require('socket.io-msgpack-parser');
//! const enc = new Encoder();
//! const h = (b) => Buffer.from(b).toString('hex');
//! const out = [];
//! const add = (name, value) => out.push([name, h(np.encode(value))]);
//! const pkt = (name, p) => out.push([name, h(enc.encode(p)[0])]);
//! add('ints', [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, 9007199254740991, -9007199254740991]);
//! add('floats', [1.5, -0.1, 2.0, -0.0, 1e-7, 2**53 + 2, -(2**63), 0.1 + 0.2]);
//! add('strings', ['', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(255), 'x'.repeat(256), 'é😀']);
//! add('bins', [Buffer.alloc(0), Buffer.alloc(255, 7), Buffer.alloc(256, 7), new Uint8Array([1, 2]), new Uint8Array([3]).buffer]);
//! add('arrays', [Array(15).fill(null), Array(16).fill(true)]);
//! const m15 = {}, m16 = {};
//! for (let i = 0; i < 15; i++) m15['k' + i] = i;
//! for (let i = 0; i < 16; i++) m16['k' + i] = i;
//! add('maps', [m15, m16]);
//! add('nested', { z: 1, a: [{ y: 'é', b: null }], __proto_x: false, t: true });
//! add('undefined', [[undefined, null], { a: undefined, b: 1 }]);
//! add('dates', [new Date(1700000000000), new Date(1500), new Date(-1000)]);
//! pkt('event_binary', { type: 2, data: ['hello', Buffer.from([1, 2])], nsp: '/' });
//! pkt('connect_reply', { type: 0, data: { sid: 'abc', pid: 'def' }, nsp: '/' });
//! pkt('ack_admin', { type: 3, data: [1, { a: null }], id: 7, nsp: '/admin' });
//! pkt('event_id', { type: 2, data: ['ping-me', 1], id: 12, nsp: '/' });
//! pkt('connect_error', { type: 4, data: { message: 'not authorized', data: { reason: 'bad token' } }, nsp: '/private' });
//! pkt('disconnect', { type: 1, nsp: '/admin' });
//! for (const [name, hex] of out) console.log(`${name} ${hex}`);
//! // What the JSON side of a date would be.
//! console.log('dates_json ' + JSON.stringify(np.decode(Buffer.from(out.find(o => o[0] === 'dates')[1], 'hex'))));
//! // Decoding with the real parser: packets our encoder must match are accepted.
//! const d = new Decoder();
//! d.on('decoded', (p) => console.log('decoded ' + JSON.stringify(p)));
//! for (const [name, hex] of out.filter(o => ['event_binary', 'ack_admin'].includes(o[0]))) d.add(Buffer.from(hex, 'hex'));
//! ```

#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::json;
use socketio_codec::{msgpack, Bytes, Map, Packet, PacketType, Value};

const INTS: &str = "dc0014007fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000ffe0d0dfd080d1ff7fd18000d2ff\
     ff7fffd280000000d3ffffffff7fffffffcf001fffffffffffffd3ffe0000000000001";
const FLOATS: &str = "98cb3ff8000000000000cbbfb999999999999a0200cb3e7ad7f29abcaf48cf0020000000000002d38000000000000000\
     cb3fd3333333333334";
const STRINGS: &str = "96a0bf78787878787878787878787878787878787878787878787878787878787878d920787878787878787878787878\
     7878787878787878787878787878787878787878d9ff7878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     78787878787878787878787878787878787878787878787878787878787878787878787878da01007878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878\
     7878787878787878a6c3a9f09f9880";
const BINS: &str = "95c400c4ff07070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     0707070707070707070707070707070707070707c5010007070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707\
     070707070707070707070707070707070707070707070707070707070707070707070707070707c4020102c40103";
const ARRAYS: &str = "929fc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0dc0010c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
const MAPS: &str = "928fa26b3000a26b3101a26b3202a26b3303a26b3404a26b3505a26b3606a26b3707a26b3808a26b3909a36b31300aa3\
     6b31310ba36b31320ca36b31330da36b31340ede0010a26b3000a26b3101a26b3202a26b3303a26b3404a26b3505a26b\
     3606a26b3707a26b3808a26b3909a36b31300aa36b31310ba36b31320ca36b31330da36b31340ea36b31350f";
const NESTED: &str = "84a17a01a1619182a179a2c3a9a162c0a95f5f70726f746f5f78c2a174c3";
const UNDEFINED: &str = "9292c0c081a16201";
const DATES: &str = "93d6ff6553f100d7ff7735940000000001c70cff00000000ffffffffffffffff";
const EVENT_BINARY: &str = "83a47479706502a46461746192a568656c6c6fc4020102a36e7370a12f";
const CONNECT_REPLY: &str =
    "83a47479706500a46461746182a3736964a3616263a3706964a3646566a36e7370a12f";
const ACK_ADMIN: &str = "84a47479706503a464617461920181a161c0a2696407a36e7370a62f61646d696e";
const EVENT_ID: &str = "84a47479706502a46461746192a770696e672d6d6501a269640ca36e7370a12f";
const CONNECT_ERROR: &str = "83a47479706504a46461746182a76d657373616765ae6e6f7420617574686f72697a6564a46461746181a6726561736f\
     6ea962616420746f6b656ea36e7370a82f70726976617465";
const DISCONNECT: &str = "82a47479706501a36e7370a62f61646d696e";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn encoded(value: &Value) -> String {
    let mut out = Vec::new();
    msgpack::encode_value(value, &mut out);
    to_hex(&out)
}

fn j(v: serde_json::Value) -> Value {
    Value::from(v)
}

fn bin(b: Vec<u8>) -> Value {
    Value::Binary(Bytes::from(b))
}

/// Encodes like notepack, and decodes notepack's bytes back to the same value.
fn check(fixture: &str, value: Value) {
    assert_eq!(encoded(&value), fixture);
    assert_eq!(msgpack::decode_value(&hex(fixture)).unwrap(), value);
}

#[test]
fn integers() {
    check(
        INTS,
        j(json!([
            0,
            127,
            128,
            255,
            256,
            65535,
            65536,
            4294967295u64,
            4294967296u64,
            -1,
            -32,
            -33,
            -128,
            -129,
            -32768,
            -32769,
            -2147483648i64,
            -2147483649i64,
            9007199254740991u64,
            -9007199254740991i64
        ])),
    );
}

#[test]
fn floats() {
    // JavaScript numbers: integral floats are written as integers.
    let value = Value::Array(
        [
            1.5,
            -0.1,
            2.0,
            -0.0,
            1e-7,
            9007199254740994.0,
            -9223372036854775808.0,
            0.1 + 0.2,
        ]
        .into_iter()
        .map(Value::from)
        .collect(),
    );
    assert_eq!(encoded(&value), FLOATS);
    let back = msgpack::decode_value(&hex(FLOATS)).unwrap();
    assert_eq!(back[0].as_f64(), Some(1.5));
    assert_eq!(back[2].as_u64(), Some(2));
    assert_eq!(back[3].as_u64(), Some(0));
    assert_eq!(back[5].as_u64(), Some(9007199254740994));
    assert_eq!(back[6].as_i64(), Some(i64::MIN));
    assert_eq!(back[7].as_f64(), Some(0.1 + 0.2));
}

#[test]
fn strings() {
    let x = |n: usize| Value::from("x".repeat(n));
    check(
        STRINGS,
        Value::Array(vec![x(0), x(31), x(32), x(255), x(256), "é😀".into()]),
    );
}

#[test]
fn binaries() {
    // Buffer, Uint8Array and ArrayBuffer are all `bin`.
    check(
        BINS,
        Value::Array(vec![
            bin(vec![]),
            bin(vec![7; 255]),
            bin(vec![7; 256]),
            bin(vec![1, 2]),
            bin(vec![3]),
        ]),
    );
}

#[test]
fn containers() {
    check(
        ARRAYS,
        Value::Array(vec![
            Value::Array(vec![Value::Null; 15]),
            Value::Array(vec![Value::Bool(true); 16]),
        ]),
    );
    let map = |n: usize| {
        Value::Object(
            (0..n)
                .map(|i| (format!("k{i}"), Value::from(i)))
                .collect::<Map>(),
        )
    };
    check(MAPS, Value::Array(vec![map(15), map(16)]));
    check(
        NESTED,
        j(json!({"z": 1, "a": [{"y": "é", "b": null}], "__proto_x": false, "t": true})),
    );
}

#[test]
fn undefined_and_dates_from_node() {
    // notepack 3 writes an `undefined` array item as nil and drops `undefined` members.
    assert_eq!(
        msgpack::decode_value(&hex(UNDEFINED)).unwrap(),
        j(json!([[null, null], {"b": 1}]))
    );
    // Dates (timestamp 32, 64 and 96) become what `Date.prototype.toJSON` gives.
    assert_eq!(
        msgpack::decode_value(&hex(DATES)).unwrap(),
        j(json!([
            "2023-11-14T22:13:20.000Z",
            "1970-01-01T00:00:01.500Z",
            "1969-12-31T23:59:59.000Z"
        ]))
    );
}

#[test]
fn packets() {
    let cases = [
        (
            EVENT_BINARY,
            Packet::event(
                "/",
                Value::Array(vec!["hello".into(), bin(vec![1, 2])]),
                None,
            ),
        ),
        (
            CONNECT_REPLY,
            Packet::connect("/", Some(j(json!({"sid": "abc", "pid": "def"})))),
        ),
        (
            ACK_ADMIN,
            Packet::ack("/admin", j(json!([1, {"a": null}])), 7),
        ),
        (
            EVENT_ID,
            Packet::event("/", j(json!(["ping-me", 1])), Some(12)),
        ),
        (
            CONNECT_ERROR,
            Packet::connect_error(
                "/private",
                j(json!({"message": "not authorized", "data": {"reason": "bad token"}})),
            ),
        ),
        (DISCONNECT, Packet::disconnect("/admin")),
    ];
    for (fixture, packet) in cases {
        assert_eq!(to_hex(&msgpack::encode_packet(&packet)), fixture);
        assert_eq!(msgpack::decode_packet(&hex(fixture)).unwrap(), packet);
    }
    assert_eq!(
        msgpack::decode_packet(&hex(EVENT_BINARY)).unwrap().kind,
        PacketType::Event
    );
}
