use paydesk_gateways::gateway::{
    Call, ChargeRequest, CreatedInvoice, Credentials, Gateway, GatewayError, InvoiceRef, Knobs, StatusReport,
};
use paydesk_gateways::http::{check_base_url, HttpClient, RetryPolicy};
use paydesk_gateways::registry;
use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::RunningSim;
use paydesk_money::{parse_amount, Currency, DecimalStyle};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A simulator on a free port and one gateway's client pointed at it, with the simulator's
/// credentials (or whatever a test puts in `creds` instead).
pub struct Harness {
    pub sim: RunningSim,
    pub gateway: Arc<dyn Gateway>,
    pub http: HttpClient,
    pub creds: Credentials,
    pub knobs: Knobs,
}

impl Harness {
    pub async fn new(gateway_id: &str) -> Harness {
        Self::with_knobs(gateway_id, &[]).await
    }

    /// Like `new`, with some knobs overridden (name, value).
    pub async fn with_knobs(gateway_id: &str, knobs: &[(&str, &str)]) -> Harness {
        let sim = paydesk_gatewaysim::start(0).await.expect("simulator starts on a free port");
        let gateway = registry().into_iter().find(|g| g.info().id == gateway_id).expect("gateway is registered");
        let base = check_base_url(&sim.base_url(gateway_id)).expect("loopback base URL is allowed");
        let retry = RetryPolicy { attempts: 2, first_backoff: Duration::from_millis(10) };
        let http = HttpClient::new(HttpClient::default_client(), base, retry);
        let mut creds = Credentials::default();
        for (field, value) in paydesk_gatewaysim::gateways::credentials(gateway_id) {
            creds.insert(field, Secret::new(*value));
        }
        let knobs =
            Knobs::resolve(gateway.info(), |name| knobs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()));
        Harness { sim, gateway, http, creds, knobs }
    }

    pub fn call(&self) -> Call<'_> {
        Call { http: &self.http, creds: &self.creds, knobs: &self.knobs }
    }

    /// A charge request with a fresh order id.
    pub fn request(&self, amount: &str, currency: &str) -> ChargeRequest {
        static N: AtomicU32 = AtomicU32::new(1);
        let currency: Currency = currency.parse().expect("known currency");
        ChargeRequest {
            order_id: format!("T{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)),
            amount: parse_amount(amount, currency, DecimalStyle::Point).expect("valid amount"),
            description: Some("Contract test".into()),
            lifetime_secs: 900,
            callback_url: None,
        }
    }

    pub async fn create(&self, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        self.gateway.create(&self.call(), req).await
    }

    pub async fn status(&self, req: &ChargeRequest, created: &CreatedInvoice) -> Result<StatusReport, GatewayError> {
        let invoice = sale_ref(req, created.gateway_invoice_id.clone());
        self.gateway.status(&self.call(), &invoice).await
    }

    /// Presses a button on the simulator's pay page ("pay", "underpay" or "expire"), as a customer would.
    pub async fn press(&self, pay_link: &str, button: &str) {
        let resp = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{pay_link}/{button}"))
            .send()
            .await
            .expect("pay page answers");
        assert_eq!(resp.status().as_u16(), 303, "pressing {button} redirects back to the pay page");
    }
}

/// A sale as a gateway's status or lookup call sees it: `req`'s order id and amount, made now.
pub fn sale_ref(req: &ChargeRequest, gateway_invoice_id: Option<String>) -> InvoiceRef {
    let created_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    InvoiceRef { order_id: req.order_id.clone(), gateway_invoice_id, amount: req.amount, created_at }
}
