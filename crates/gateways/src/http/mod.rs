//! The one HTTP transport every gateway uses: base URL checks, timeouts and retries live here,
//! so no gateway module repeats them.

mod client;
mod request;
mod urls;

pub use client::{HttpClient, RetryPolicy, DEFAULT_TIMEOUT, MAX_ANSWER_BYTES};
pub use request::{HttpRequest, HttpResponse, Method};
pub use urls::{check_base_url, check_pay_link, is_loopback, path_segment, pay_link_url};
