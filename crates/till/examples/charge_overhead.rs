//! Paydesk's own share of one charge: `Till::charge` + `Till::qr_svg` (what happens between the
//! Charge button and the QR on screen) timed end to end against the in-process simulator, minus
//! the gateway's round trip, timed separately as a bare HTTP request carrying the same create.
//!
//! Charges and bare round trips alternate, so both see the same machine load; the overhead
//! figures are the percentiles of each pair's difference. The bare round trip is a reqwest POST
//! of pre-built bytes: loopback, the simulator's handler and the HTTP client's own work.
//!
//! `bash bench/charge_overhead` (builds in release and runs this; `TMPDIR=/dev/shm` puts the
//! ledger on tmpfs).

mod bench_common;

use bench_common::{load_average, ms, percentile, print_table, Failures};
use paydesk_gateways::gateway::{self, Credentials};
use paydesk_gateways::http::{HttpClient, HttpRequest, Method};
use paydesk_gateways::secret::Secret;
use paydesk_gateways::{demo, registry, thedex};
use paydesk_money::{parse_amount, DecimalStyle};
use paydesk_till::api::{ChargeRequest, Till};
use paydesk_till::credentials::CredentialStore;
use std::time::{Duration, Instant};

const CHARGES: usize = 2_000;
const WARM_UP: usize = 100;
const TARGET_P50: Duration = Duration::from_millis(2);
const TARGET_P99: Duration = Duration::from_millis(5);

/// One gateway's bare create: the request the till would send, built outside the timing.
type BuildBare = fn(&Credentials, n: usize) -> HttpRequest;

fn demo_bare(_: &Credentials, n: usize) -> HttpRequest {
    let body = demo::CreateBody {
        order_id: format!("RT-{n}"),
        amount: "123.45".into(),
        currency: "USD".into(),
        description: Some("overhead".into()),
        lifetime_secs: 900,
    };
    HttpRequest::post_json("invoices", serde_json::to_vec(&body).expect("plain struct serializes"))
}

fn thedex_bare(creds: &Credentials, n: usize) -> HttpRequest {
    let info = registry().into_iter().find(|g| g.info().id == "thedex").expect("TheDex is registered").info();
    let request = gateway::ChargeRequest {
        order_id: format!("RT-{n}"),
        amount: parse_amount("123.45", "USD".parse().expect("USD"), DecimalStyle::Point).expect("valid"),
        description: Some("overhead".into()),
        lifetime_secs: 900,
        callback_url: None,
    };
    // A fresh nonce per request: the simulator, like TheDex, refuses one that does not increase.
    thedex::build_create(creds, &gateway::Knobs::resolve(info, |_| None), &request, thedex::next_nonce())
        .expect("a TheDex create")
}

/// Sends `req` as-is and reads the whole answer, as the till's client does.
async fn bare_round_trip(client: &reqwest::Client, base: &str, req: &HttpRequest) -> (Duration, u16) {
    let mut builder = match req.method {
        Method::Post => client.post(format!("{base}{}", req.path)),
        Method::Get => client.get(format!("{base}{}", req.path)),
    };
    for (name, value) in &req.headers {
        builder = builder.header(*name, value);
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let start = Instant::now();
    let resp = builder.send().await.expect("the simulator answers");
    let status = resp.status().as_u16();
    resp.bytes().await.expect("the answer reads");
    (start.elapsed(), status)
}

struct Run {
    total: Vec<Duration>,
    bare: Vec<Duration>,
    overhead: Vec<Duration>,
}

async fn run(
    till: &Till,
    sim: &paydesk_gatewaysim::RunningSim,
    gateway: &str,
    build: BuildBare,
    failures: &mut Failures,
) -> Run {
    let mut creds = Credentials::default();
    for (field, value) in paydesk_gatewaysim::gateways::credentials(gateway) {
        creds.insert(field, Secret::new(*value));
    }
    let client = HttpClient::default_client();
    let base = sim.base_url(gateway);
    let mut run = Run { total: vec![], bare: vec![], overhead: vec![] };
    for n in 0..WARM_UP + CHARGES {
        let mut request = ChargeRequest::typed(gateway, "123.45", "USD");
        request.sale.description = Some("overhead".into());
        let start = Instant::now();
        let svg = match till.charge(request).await {
            Ok(view) => till.qr_svg(&view.order_id),
            Err(e) => Err(e),
        };
        let total = start.elapsed();
        let bare_request = build(&creds, n);
        let (bare, status) = bare_round_trip(&client, &base, &bare_request).await;
        failures.check(svg.as_ref().is_ok_and(|s| s.starts_with("<?xml")), || {
            format!("{gateway} charge {n}: {:?}", svg.as_ref().err())
        });
        failures.check((200..300).contains(&status), || format!("{gateway} bare create {n} answered {status}"));
        if n >= WARM_UP {
            run.total.push(total);
            run.bare.push(bare);
            run.overhead.push(total.saturating_sub(bare));
        }
    }
    run
}

fn verdict(d: Duration, target: Duration) -> &'static str {
    if d < target {
        "met"
    } else {
        "NOT met"
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sim = paydesk_gatewaysim::start(0).await.expect("the simulator starts on 127.0.0.1");
    let credentials = CredentialStore::in_memory();
    let thedex_info = registry().into_iter().find(|g| g.info().id == "thedex").expect("TheDex is registered").info();
    for (field, value) in paydesk_gatewaysim::gateways::credentials("thedex") {
        credentials.set(thedex_info, field, Secret::new(*value)).expect("in-memory credentials take it");
    }
    let till = Till::open(dir.path(), credentials, Some(sim.base_url("demo"))).expect("the till opens");
    till.paydesk().update_settings(|s| {
        s.base_urls.insert("thedex".into(), sim.base_url("thedex"));
    });
    let load = load_average();
    let mut failures = Failures::default();
    let mut rows = vec![];
    for (gateway, build) in [("demo", demo_bare as BuildBare), ("thedex", thedex_bare as BuildBare)] {
        let r = run(&till, &sim, gateway, build, &mut failures).await;
        let p = |v: &[Duration], q| percentile(v, q).expect("timed");
        for q in [50, 99] {
            let target = if q == 50 { TARGET_P50 } else { TARGET_P99 };
            let overhead = p(&r.overhead, q);
            rows.push(vec![
                gateway.to_string(),
                format!("p{q}"),
                ms(p(&r.total, q)),
                ms(p(&r.bare, q)),
                ms(overhead),
                format!("{} ({})", verdict(overhead, target), ms(target)),
            ]);
        }
    }
    println!("{CHARGES} charges per gateway after {WARM_UP} warm-up, ledger in {}; {load}\n", dir.path().display());
    print_table(&["gateway", "", "charge + qr_svg", "bare round trip", "local overhead (paired)", "target"], &rows);
    failures.exit_if_any();
}
