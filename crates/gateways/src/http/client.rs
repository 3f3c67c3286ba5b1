//! The client every gateway call goes through: timeouts, safe retries, no redirects, capped answers.

use super::request::{HttpRequest, HttpResponse, Method};
use crate::error::GatewayError;
use std::time::Duration;
use url::Url;

/// The largest answer read from a gateway: theirs are a few kilobytes, and an endless one must
/// not fill the till's memory.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// How long one attempt may take, from connecting to the last byte of the answer, unless the
/// settings say otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 3, first_backoff: Duration::from_millis(250) }
    }
}

/// A gateway's base URL with a shared connection pool.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    base: Url,
    retry: RetryPolicy,
    timeout: Duration,
}

impl HttpClient {
    pub fn new(client: reqwest::Client, base: Url, retry: RetryPolicy) -> HttpClient {
        HttpClient { client, base, retry, timeout: DEFAULT_TIMEOUT }
    }

    /// Bounds each attempt by `timeout` instead of [`DEFAULT_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> HttpClient {
        self.timeout = timeout;
        self
    }

    /// A reqwest client with the timeouts a till wants: fail fast on connect, bounded overall.
    pub fn default_client() -> reqwest::Client {
        reqwest::Client::builder()
            // A redirect would carry the gateway keys (in custom headers) to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(DEFAULT_TIMEOUT)
            .user_agent(concat!("Paydesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the TLS backend initialises")
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The full URL of `path` under the base URL. Paths come from gateway modules and knobs (a
    /// setting): one that is really a URL, or climbs out of the base, would send the keys to
    /// another host or endpoint, so it is refused.
    pub fn url(&self, path: &str) -> Result<Url, GatewayError> {
        let refused = |why: &str| {
            GatewayError::Unsupported(format!("the request path '{path}' {why}: a path must stay under the base URL"))
        };
        if path.contains("://") || path.starts_with("//") || path.contains('\\') || path.contains(':') {
            return Err(refused("is not a plain path"));
        }
        let url = self.base.join(path.trim_start_matches('/')).map_err(|e| refused(&e.to_string()))?;
        let same_origin =
            url.scheme() == self.base.scheme() && url.host() == self.base.host() && url.port() == self.base.port();
        if !same_origin || !url.path().starts_with(self.base.path()) {
            return Err(refused("leaves the base URL"));
        }
        Ok(url)
    }

    /// Sends `req`, retrying with backoff where a second send cannot create a second invoice:
    /// always when the connection was never made, and for idempotent requests also on timeouts,
    /// 429 and 5xx. A 4xx is never retried.
    pub async fn send(&self, req: &HttpRequest) -> Result<HttpResponse, GatewayError> {
        let url = self.url(&req.path)?;
        let mut backoff = self.retry.first_backoff;
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(&url, req).await;
            let retry = match &outcome {
                Ok(resp) => req.idempotent && (resp.status == 429 || resp.status >= 500),
                Err(Attempt::NotConnected(_)) => true,
                Err(Attempt::MaybeSent(_)) => req.idempotent,
                Err(Attempt::Final(_)) => false,
            };
            if !retry || attempt >= self.retry.attempts {
                return match outcome {
                    // Whatever the body says, a 5xx or 429 never decides anything (OxaPay answers
                    // 5xx with a JSON error that reads like a refusal): no gateway module sees it.
                    Ok(resp) if resp.status == 429 || resp.status >= 500 => Err(GatewayError::Unavailable(resp.status)),
                    other => other.map_err(Attempt::into_error),
                };
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    async fn send_once(&self, url: &Url, req: &HttpRequest) -> Result<HttpResponse, Attempt> {
        let mut builder = match req.method {
            Method::Get => self.client.get(url.clone()),
            Method::Post => self.client.post(url.clone()),
        }
        .timeout(self.timeout);
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        for (name, value) in &req.headers {
            builder = builder.header(*name, value);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let mut resp = builder.send().await.map_err(Attempt::from)?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            // The client follows none (see `default_client`); the answer is an error that names
            // where it pointed: the host alone, since a path or query may carry a token.
            let location = resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            let target = location.and_then(|l| url.join(l).ok());
            let host = match target.as_ref().and_then(|t| t.host_str().map(|h| (h, t.port()))) {
                Some((host, Some(port))) => format!("{host}:{port}"),
                Some((host, None)) => host.to_string(),
                None => "a place it did not say clearly".to_string(),
            };
            return Err(Attempt::Final(GatewayError::BadResponse(format!(
                "HTTP {status}: the gateway answered with a redirect to {host}, which Paydesk does not follow (it would carry the keys there); check the base URL in Settings"
            ))));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(Attempt::from)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Attempt::MaybeSent(GatewayError::BadResponse(format!(
                    "HTTP {status} with an answer larger than {} KiB, which no gateway sends: not read",
                    MAX_ANSWER_BYTES / 1024
                ))));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, body })
    }
}

enum Attempt {
    NotConnected(GatewayError),
    MaybeSent(GatewayError),
    /// An answer that sending again would only repeat (a redirect).
    Final(GatewayError),
}

impl Attempt {
    fn into_error(self) -> GatewayError {
        match self {
            Attempt::NotConnected(e) | Attempt::MaybeSent(e) | Attempt::Final(e) => e,
        }
    }
}

impl From<reqwest::Error> for Attempt {
    fn from(e: reqwest::Error) -> Attempt {
        // reqwest's Display can include the URL; that holds no secret (secrets travel in headers
        // and bodies), but keep the text short and plain for the cashier.
        if e.is_connect() {
            Attempt::NotConnected(GatewayError::Unreachable)
        } else if e.is_timeout() {
            Attempt::MaybeSent(GatewayError::Timeout)
        } else if e.is_body() || e.is_decode() {
            Attempt::MaybeSent(GatewayError::Network("the answer was cut off".into()))
        } else {
            Attempt::MaybeSent(GatewayError::Network("the connection broke".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::check_base_url;

    #[test]
    fn paths_join_under_the_base() {
        let http = HttpClient::new(
            HttpClient::default_client(),
            check_base_url("https://api.dex3.io/api/v1").unwrap(),
            RetryPolicy::default(),
        );
        assert_eq!(http.url("createpayment").unwrap().as_str(), "https://api.dex3.io/api/v1/createpayment");
        assert_eq!(
            http.url("/getpaymentstatus/X1").unwrap().as_str(),
            "https://api.dex3.io/api/v1/getpaymentstatus/X1"
        );
    }

    /// A loopback server answering every request with `head` (status line and headers) and
    /// `body`; it reports each request's text on the channel.
    async fn server(head: String, body: Vec<u8>) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let (seen, requests) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = vec![0u8; 16 * 1024];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let _ = seen.send(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            }
        });
        (base, requests)
    }

    fn client(base: &str) -> HttpClient {
        HttpClient::new(
            HttpClient::default_client(),
            check_base_url(base).unwrap(),
            RetryPolicy { attempts: 1, first_backoff: Duration::ZERO },
        )
    }

    #[tokio::test]
    async fn hardening_07_a_redirect_is_not_followed_and_the_keys_go_nowhere_else() {
        let (elsewhere, mut reached) =
            server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n".into(), b"{}".to_vec()).await;
        let elsewhere_host = Url::parse(&elsewhere).unwrap();
        let elsewhere_host = format!("127.0.0.1:{}", elsewhere_host.port().unwrap());
        for status in ["301 Moved Permanently", "302 Found", "303 See Other", "307 Temporary Redirect", "308 Permanent"]
        {
            let head = format!(
                "HTTP/1.1 {status}\r\nlocation: {elsewhere}steal?token=T0K3N\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
            let (gateway, mut asked) = server(head, vec![]).await;
            // A read is idempotent, so it would be retried if a redirect counted as an outage.
            let retrying = HttpClient::new(
                HttpClient::default_client(),
                check_base_url(&gateway).unwrap(),
                RetryPolicy { attempts: 3, first_backoff: Duration::ZERO },
            );
            for req in [
                HttpRequest::post_json("create", b"{}".to_vec()).header("x-api-key", "KEY-SECRET-77"),
                HttpRequest::get("status").header("x-api-key", "KEY-SECRET-77"),
            ] {
                let err = retrying.send(&req).await.unwrap_err();
                let GatewayError::BadResponse(said) = &err else { panic!("{status}: {err:?}") };
                assert!(said.contains(&format!("redirect to {elsewhere_host},")), "{status}: {said}");
                assert!(!said.contains("steal") && !said.contains("T0K3N"), "{status}: {said}");
                assert!(asked.recv().await.unwrap().contains("KEY-SECRET-77"));
                assert!(asked.try_recv().is_err(), "{status}: a redirect was sent again");
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(reached.try_recv().is_err(), "the redirect target received a request");
    }

    #[test]
    fn hardening_08_a_path_setting_holding_a_url_cannot_leave_the_base() {
        let http = client("https://api.dex3.io/api/v1/");
        for bad in [
            "https://evil.example/x",
            "HTTPS://evil.example/x",
            "//evil.example/x",
            "///evil.example/x",
            "http:evil",
            "https:evil.example",
            "mailto:x@evil.example",
            "..\\x",
            "\\\\evil.example\\x",
            "/\\evil.example/x",
            "../../admin",
            "/../v2/x",
            "v1/../../v2/x",
            "%2e%2e/%2e%2e/admin",
            "v1/%2E%2E/%2e%2E/x",
            "./../x",
        ] {
            let refused = http.url(bad);
            assert!(
                matches!(&refused, Err(GatewayError::Unsupported(m)) if m.contains("a path must stay under the base URL")),
                "{bad} gave {refused:?}"
            );
        }
        // Loopback bases too (the simulator): another port is another host.
        let local = client("http://127.0.0.1:8787/dex3/");
        for bad in ["http://127.0.0.1:9/dex3/x", "//127.0.0.1:9/dex3/x", "../oxapay/x"] {
            assert!(local.url(bad).is_err(), "{bad} was allowed");
        }
        assert_eq!(local.url("v1/x").unwrap().as_str(), "http://127.0.0.1:8787/dex3/v1/x");
        assert_eq!(http.url("createpayment").unwrap().as_str(), "https://api.dex3.io/api/v1/createpayment");
        assert_eq!(http.url("v1/payment/9%2F1").unwrap().as_str(), "https://api.dex3.io/api/v1/v1/payment/9%2F1");
    }

    #[tokio::test]
    async fn hardening_14_an_answer_larger_than_the_cap_is_not_read_whole() {
        let big = vec![b' '; MAX_ANSWER_BYTES + 10];
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", big.len());
        let (gateway, _) = server(head, big).await;
        let err = match client(&gateway).send(&HttpRequest::get("status")).await {
            Ok(resp) => panic!("an answer of {} bytes was read whole", resp.body.len()),
            Err(err) => err,
        };
        assert!(matches!(&err, GatewayError::BadResponse(m) if m.contains("larger than 1024 KiB")), "{err:?}");
        let (small, _) =
            server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n".into(), b"{}".to_vec()).await;
        assert_eq!(client(&small).send(&HttpRequest::get("status")).await.unwrap().body, b"{}");
    }

    #[tokio::test]
    async fn hardening_03_a_5xx_with_a_json_body_never_reaches_the_gateway_module() {
        // OxaPay's error envelope, which a gateway module would read as a refusal.
        let body = br#"{"data":{},"message":"Internal error","error":{"type":"server","key":"x","message":"failed"},"status":503}"#;
        for status in
            ["503 Service Unavailable", "500 Internal Server Error", "502 Bad Gateway", "429 Too Many Requests"]
        {
            let code: u16 = status[..3].parse().unwrap();
            let head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let (gateway, mut asked) = server(head, body.to_vec()).await;
            let create = HttpRequest::post_json("v1/payment/invoice", b"{}".to_vec());
            let outcome = client(&gateway).send(&create).await;
            assert_eq!(outcome.map(|r| r.status), Err(GatewayError::Unavailable(code)), "{status}");
            // A read is retried, and the last answer is still never handed on.
            let retrying = HttpClient::new(
                HttpClient::default_client(),
                check_base_url(&gateway).unwrap(),
                RetryPolicy { attempts: 2, first_backoff: Duration::ZERO },
            );
            let outcome = retrying.send(&HttpRequest::get("v1/payment/X1")).await;
            assert_eq!(outcome.map(|r| r.status), Err(GatewayError::Unavailable(code)), "{status}");
            let mut requests = 0;
            while asked.try_recv().is_ok() {
                requests += 1;
            }
            assert_eq!(requests, 3, "{status}: one create (never resent) and two reads");
        }
    }
}
