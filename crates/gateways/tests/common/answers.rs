//! Strategies for what a hostile or broken gateway might answer: text, JSON and HTTP responses.

use super::all_secrets;
use paydesk_gateways::http::HttpResponse;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

/// Text a hostile or broken gateway might send: links of every scheme, statuses, dates, numbers at
/// the edges, our own secrets echoed back, and anything at all.
pub fn hostile_text() -> impl Strategy<Value = String> {
    const SAMPLES: &[&str] = &[
        "",
        " ",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "http://evil.example/pay",
        "http://127.0.0.1.evil.example/pay",
        "//evil.example/pay",
        "https://",
        "https://pay.example/p/1",
        " https://pay.example/p/1",
        "HTTPS://PAY.EXAMPLE/P/1",
        "http://127.0.0.1:9/pay/1",
        "http://[::1]:9/pay/1",
        "http://localhost/pay",
        "paid",
        "completed",
        "Paid",
        "COMPLETED",
        "invoice:paid",
        "expired",
        "received",
        "2025-04-21T16:12:09.287975+00:00",
        "9999-99-99T99:99:99+99:99",
        "+999999999-01-01T00:00:00Z",
        "0000-00-00T00:00:00-23:59",
        "2025-02-30T25:61:61.9999999999999999999Z",
        "18446744073709551616",
        "-9223372036854775808",
        "1e308",
        "NaN",
        "Duplicate order id",
        "\u{0}\u{1b}[31m\r\n",
    ];
    let secrets = all_secrets();
    prop_oneof![
        4 => select(SAMPLES).prop_map(String::from),
        2 => select(secrets).prop_map(|s| format!("bad key {s}")),
        3 => any::<String>(),
        1 => "[a-zA-Z0-9:/._-]{0,40}",
    ]
}

/// The field names the gateways read, so generated objects reach past "field missing".
fn key() -> impl Strategy<Value = String> {
    const KEYS: &[&str] = &[
        "state",
        "data",
        "error",
        "message",
        "code",
        "errData",
        "payLink",
        "paymentData",
        "payment_id",
        "order_id",
        "orderId",
        "invoiceId",
        "status",
        "statusName",
        "payUrl",
        "expirationTimestamp",
        "track_id",
        "trackId",
        "payment_url",
        "expired_at",
        "expiredAt",
        "result",
        "txs",
        "errorCode",
        "errorMessage",
        "redirectUrl",
        "ID",
        "invoice",
        "id",
        "url",
        "token",
        "offerInfoData",
        "expiryTs",
        "orderStatus",
        "requestId",
        "errorReason",
        "pay_url",
        "expires_at",
        "key",
        "accessToken",
    ];
    prop_oneof![4 => select(KEYS).prop_map(String::from), 1 => any::<String>()]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("a JSON number", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        hostile_text().prop_map(Value::String),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Well-formed answers of every gateway (from their docs and the simulator), as seeds to mutate.
fn templates() -> Vec<Value> {
    vec![
        json!({"state": true, "data": {"payLink": "https://pay.dex3.io/pay/EKK", "paymentData": {"payment_id": "EKK",
            "order_id": "123", "productName": "Add Funds", "amount": "100", "expiration": 1710140681, "created": 1710140558}}}),
        json!({"state": true, "data": "received"}),
        json!({"state": false, "error": {"message": "Please check form error", "code": 403,
            "errData": {"notes": {"value": "x", "msg": "Invalid JSON provided"}}}}),
        json!({"invoiceId": "INV-1", "merchantId": "ABCDEFGH", "orderId": "POS-1", "status": 0,
            "payUrl": "https://app.thedex.cloud/pay-invoice/INV-1", "expirationTimestamp": 1764264690190_i64}),
        json!({"data": {"track_id": "193139644", "payment_url": "https://pay.oxapay.com/13355044/193139644",
            "expired_at": 1734546589, "date": 1734510589}, "message": "ok", "error": {}, "status": 200}),
        json!({"data": {"track_id": "9", "status": "expired", "txs": [{"tx_hash": "ab"}]}, "error": {}, "status": 200}),
        json!({"data": {}, "message": "Validation failed", "error": {"type": "validation", "key": "lifetime",
            "message": "The lifetime field must be an integer."}, "status": 400}),
        json!({"result": 100, "message": "ok", "trackId": "25", "payLink": "https://oxapay.com/mpay/25",
            "expiredAt": 1700000000, "status": "Paid"}),
        json!({"errorCode": 0, "redirectUrl": "https://usdc.nonstopay.net/w?t=1", "status": "invoice:created", "ID": 1689}),
        json!({"errorCode": 0, "invoice": {"id": "1689", "devise": "USD", "amount": "4", "status": "invoice:created"}}),
        json!({"errorCode": 50011, "errorMessage": "x"}),
        json!({"requestId": "r1", "token": "tok", "status": "CREATED", "url": "https://checkout.pay3.example/c/tok",
            "offerInfoData": {"expiryTs": "2025-04-21T16:12:09.287975+00:00"}}),
        json!({"data": [{"orderId": "o1", "orderStatus": "COMPLETED", "requestId": "r1", "updatedTs": 1745251929287_i64,
            "errorReason": {"errorCode": "E1", "errorDesc": "declined"}}]}),
        json!({"error": {"code": "7001", "message": "Order already exists for given requestId"}}),
        json!({"error": "Client verification failed"}),
        json!({"accessToken": "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjk5OTk5OTk5OTk5OX0.x"}),
        json!({"id": "D1", "order_id": "PD-1", "status": "pending", "pay_url": "http://127.0.0.1:8787/demo/pay/D1",
            "expires_at": 1700000000}),
        json!({"error": {"code": "bad_amount", "message": "no"}}),
    ]
}

/// One change to a JSON document: replace a node, remove it, add a field to an object, or put a
/// hostile text in place of every link (so pay links are tried far more often than by chance).
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    Relink(String),
}

fn relink(value: &mut Value, text: &str) {
    match value {
        Value::String(s) if s.starts_with("http") => *s = text.to_string(),
        Value::Object(map) => map.values_mut().for_each(|v| relink(v, text)),
        Value::Array(items) => items.iter_mut().for_each(|v| relink(v, text)),
        _ => {}
    }
}

/// JSON pointers to every node of `value`, the root first.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn apply(mut doc: Value, edits: &[Edit]) -> Value {
    for edit in edits {
        let i = match edit {
            Edit::Relink(text) => {
                relink(&mut doc, text);
                continue;
            }
            Edit::Replace(i, _) | Edit::Remove(i) | Edit::Insert(i, _, _) => i,
        };
        let mut all = vec![];
        pointers(&doc, String::new(), &mut all);
        let at = all[i % all.len()].clone();
        match edit {
            Edit::Replace(_, v) => *doc.pointer_mut(&at).expect("a listed pointer") = v.clone(),
            Edit::Insert(_, k, v) => {
                if let Some(Value::Object(map)) = doc.pointer_mut(&at) {
                    map.insert(k.clone(), v.clone());
                }
            }
            Edit::Relink(_) => unreachable!("applied above"),
            Edit::Remove(_) => match at.rsplit_once('/') {
                None => doc = Value::Null,
                Some((parent, last)) => match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        items.remove(last.parse::<usize>().expect("an array index"));
                    }
                    _ => unreachable!("a pointer's parent is a container"),
                },
            },
        }
    }
    doc
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any_json()).prop_map(|(i, v)| Edit::Replace(i, v)),
        2 => any::<usize>().prop_map(Edit::Remove),
        2 => (any::<usize>(), key(), any_json()).prop_map(|(i, k, v)| Edit::Insert(i, k, v)),
        2 => hostile_text().prop_map(Edit::Relink),
    ]
}

/// An HTTP answer: mostly 200 (where parsers do the most), bodies from mutated real answers,
/// arbitrary JSON, real answers cut short, or arbitrary bytes.
pub fn answer() -> impl Strategy<Value = HttpResponse> {
    let status =
        prop_oneof![3 => Just(200u16), 1 => select(vec![400u16, 401, 403, 404, 429, 500, 502]), 1 => 200u16..600];
    let seeds = templates();
    let body = prop_oneof![
        5 => (select(seeds.clone()), prop::collection::vec(edit(), 0..4))
            .prop_map(|(seed, edits)| serde_json::to_vec(&apply(seed, &edits)).expect("JSON serializes")),
        2 => any_json().prop_map(|v| serde_json::to_vec(&v).expect("JSON serializes")),
        1 => (select(seeds), any::<prop::sample::Index>()).prop_map(|(seed, cut)| {
            let bytes = serde_json::to_vec(&seed).expect("JSON serializes");
            bytes[..cut.index(bytes.len())].to_vec()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ];
    (status, body).prop_map(|(status, body)| HttpResponse { status, body })
}
