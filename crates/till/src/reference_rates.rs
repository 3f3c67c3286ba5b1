//! Fetching the reference exchange rates a sale priced in one currency and charged in another is
//! converted with: the European Central Bank's daily file by default, or a shop's own mirror of it.

use crate::error::Error;
use paydesk_money::fx::{parse_ecb_daily, ExchangeRate};
use std::time::Duration;

/// The European Central Bank's daily reference rates, the default source.
pub const ECB_DAILY_URL: &str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml";
/// The largest answer read (the ECB's daily file is about 2 KiB).
const MAX_RATES_BYTES: usize = 1 << 20;
const RATES_TIMEOUT: Duration = Duration::from_secs(10);

/// The rates published at `url` (https, or http to this machine), in the ECB's format.
pub async fn fetch(url: &str) -> Result<Vec<ExchangeRate>, Error> {
    Ok(parse_ecb_daily(&fetch_capped(url).await?)?)
}

/// GETs `url` (https, or http to this machine) and reads at most [`MAX_RATES_BYTES`] of it.
async fn fetch_capped(url: &str) -> Result<String, Error> {
    // The same rule as a pay link: https, or http to this machine (a test's or a shop's own mirror).
    let url = paydesk_gateways::http::pay_link_url(url)
        .map_err(|_| Error::BadInput("the rates source must be an https URL (or http to this machine)".into()))?;
    let host = url.host_str().unwrap_or("the rates source").to_string();
    let trouble = |what: String| Error::Local(format!("the exchange rates could not be fetched from {host}: {what}"));
    let client = reqwest::Client::builder().timeout(RATES_TIMEOUT).build().map_err(|e| trouble(e.to_string()))?;
    let mut response = client.get(url.clone()).send().await.map_err(|e| trouble(without_url(e)))?;
    if !response.status().is_success() {
        return Err(trouble(format!("it answered HTTP {}", response.status().as_u16())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| trouble(without_url(e)))? {
        if body.len() + chunk.len() > MAX_RATES_BYTES {
            return Err(trouble(format!("the answer is larger than {} KiB", MAX_RATES_BYTES >> 10)));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| trouble("the answer is not UTF-8 text".into()))
}

/// reqwest's message without the URL it adds (the host is said once, by the caller).
fn without_url(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "it could not be reached".into()
    } else {
        e.without_url().to_string()
    }
}
