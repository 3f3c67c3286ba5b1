//! The Pay3 gateway: its access-token cache and the calls made with the tokens.

use super::answers::{answer_error, is_auth_refusal, read_found, read_status, success, TokenSource};
use super::checkout::{
    build_create, build_status, build_subscription, build_token, check_currency, fiat_amount, Account,
    SubscriptionRequest,
};
use super::wire::{parse_rfc3339, CheckoutResponse, OrdersResponse, SubscriptionResponse};
use super::{INFO, TOKEN_LIFETIME_SECS, TOKEN_MARGIN_SECS};
use crate::gateway::*;
use crate::http::{check_pay_link, HttpRequest, HttpResponse};
use crate::secret::Secret;
use crate::sign::base64_url_decode;
use async_trait::async_trait;
use paydesk_money::clock::unix_now;
use std::collections::HashMap;
use std::sync::Mutex;

/// A JWT's `exp` claim, read without checking the signature: we only use it to know when to
/// fetch a fresh token of our own.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64_url_decode(payload.trim_end_matches('='))?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?.get("exp")?.as_i64()
}

struct CachedToken {
    token: Secret,
    /// Unix seconds after which it is not used any more.
    use_until: i64,
}

/// Pay3, with its cache of fetched access tokens (per base URL and client_id).
#[derive(Default)]
pub struct Pay3 {
    tokens: Mutex<HashMap<(String, String), CachedToken>>,
}

impl Pay3 {
    fn cache_key(call: &Call<'_>, account: &Account) -> (String, String) {
        (call.http.base().to_string(), account.client_id.clone())
    }

    /// The token to send: a pasted one, a cached one, or a fresh one.
    async fn token(&self, call: &Call<'_>, account: &Account) -> Result<(Secret, TokenSource), GatewayError> {
        if let Some(pasted) = call.creds.get("access_token").filter(|t| !t.expose().trim().is_empty()) {
            return Ok((Secret::new(pasted.expose().trim()), TokenSource::Pasted));
        }
        {
            let tokens = self.tokens.lock().expect("token cache lock");
            if let Some(cached) = tokens.get(&Self::cache_key(call, account)).filter(|c| unix_now() < c.use_until) {
                return Ok((cached.token.clone(), TokenSource::Cached));
            }
        }
        Ok((self.fetch_token(call, account).await?, TokenSource::Fetched))
    }

    async fn fetch_token(&self, call: &Call<'_>, account: &Account) -> Result<Secret, GatewayError> {
        let key = call.creds.require(INFO.id, "token_key")?;
        let resp = call.http.send(&build_token(account, key, call.knobs)).await?;
        if resp.status == 404 {
            return Err(GatewayError::Unsupported(format!(
                "Pay3 has no access-token endpoint at '{}' (that path is a guess): set the pay3 knob token_path, or paste an access_token",
                call.knobs.get("token_path")
            )));
        }
        if matches!(resp.status, 401 | 403) {
            return Err(GatewayError::Unauthorized(
                "Pay3 would not issue an access token: check client_id and token_key".into(),
            ));
        }
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, TokenSource::Fetched));
        }
        let answer: serde_json::Value = resp.json()?;
        let field = call.knobs.get("token_field");
        let token = field
            .split('.')
            .try_fold(&answer, |value, name| value.get(name))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                GatewayError::BadResponse(format!(
                    "Pay3's access-token answer has no '{field}' (that field name is a guess: set the pay3 knob token_field)"
                ))
            })?;
        let expires = jwt_exp(token).unwrap_or_else(|| unix_now() + TOKEN_LIFETIME_SECS);
        let token = Secret::new(token);
        let cached = CachedToken { token: token.clone(), use_until: expires - TOKEN_MARGIN_SECS };
        self.tokens.lock().expect("token cache lock").insert(Self::cache_key(call, account), cached);
        Ok(token)
    }

    /// Sends what `build` makes with a token; if Pay3 refuses a cached token, fetches a new one
    /// and sends once more (a refused request created nothing, so that is safe).
    async fn send_with_token(
        &self,
        call: &Call<'_>,
        account: &Account,
        build: impl Fn(&str) -> Result<HttpRequest, GatewayError>,
    ) -> Result<(HttpResponse, TokenSource), GatewayError> {
        let (token, source) = self.token(call, account).await?;
        let resp = call.http.send(&build(token.expose())?).await?;
        if source != TokenSource::Cached || !is_auth_refusal(&resp) {
            return Ok((resp, source));
        }
        self.tokens.lock().expect("token cache lock").remove(&Self::cache_key(call, account));
        let token = self.fetch_token(call, account).await?;
        Ok((call.http.send(&build(token.expose())?).await?, TokenSource::Fetched))
    }

    /// `GET v1/client/orders?requestId=…`: Pay3's orders for our order id.
    async fn orders(&self, call: &Call<'_>, order_id: &str) -> Result<OrdersResponse, GatewayError> {
        let account = Account::from_creds(call.creds)?;
        let (resp, source) =
            self.send_with_token(call, &account, |token| Ok(build_status(&account, token, order_id))).await?;
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, source));
        }
        resp.json()
    }

    /// Creates a subscription order (not part of a till sale): its pay link opens Pay3's hosted
    /// page, and Pay3 renews it at `interval`.
    pub async fn create_subscription(
        &self,
        call: &Call<'_>,
        sub: &SubscriptionRequest,
    ) -> Result<CreatedInvoice, GatewayError> {
        let account = Account::from_creds(call.creds)?;
        check_currency(&account.currency_id, sub.amount.currency())?;
        fiat_amount(&sub.amount)?;
        let (resp, source) =
            self.send_with_token(call, &account, |token| build_subscription(&account, call.knobs, token, sub)).await?;
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, source));
        }
        let answer: SubscriptionResponse = resp.json()?;
        let pay_link = answer
            .url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| GatewayError::BadResponse("Pay3 answered without a pay link".into()))?;
        check_pay_link(&pay_link)?;
        Ok(CreatedInvoice { gateway_invoice_id: answer.token, pay_link, expires_at: None })
    }
}

#[async_trait]
impl Gateway for Pay3 {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let account = Account::from_creds(call.creds)?;
        // Refused here, before a token is fetched for nothing.
        check_currency(&account.currency_id, req.amount.currency())?;
        fiat_amount(&req.amount)?;
        let (resp, source) =
            self.send_with_token(call, &account, |token| build_create(&account, call.knobs, token, req)).await?;
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, source));
        }
        let answer: CheckoutResponse = resp.json()?;
        let pay_link = answer.url.filter(|u| !u.is_empty()).ok_or_else(|| {
            GatewayError::BadResponse(
                "Pay3 answered without a pay link (no `url`; see the pay3 knob checkout_mode)".into(),
            )
        })?;
        let offer = answer.offer_info_data.unwrap_or_default();
        if let Some(echoed) = &offer.total_fiat_amount {
            check_echoed_amount(&req.amount, echoed, decimal_minor(echoed, req.amount.currency()))?;
        }
        check_pay_link(&pay_link)?;
        let expires_at = offer.expiry_ts.and_then(|ts| parse_rfc3339(&ts));
        Ok(CreatedInvoice { gateway_invoice_id: answer.token, pay_link, expires_at })
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        read_status(self.orders(call, &invoice.order_id).await?, invoice, call.creds, call.knobs)
    }

    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let order_id = sale.order_id.as_str();
        Ok(read_found(self.orders(call, order_id).await?, order_id, call.creds, call.knobs))
    }

    /// The webhook's HS384 JWT (§4.5), keyed with the `webhook_secret` credential.
    fn verify_callback(
        &self,
        creds: &Credentials,
        knobs: &Knobs,
        callback: &Callback<'_>,
    ) -> Result<CallbackReport, GatewayError> {
        super::callback::verify(creds, knobs, callback)
    }
}
