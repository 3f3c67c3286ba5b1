//! Hostile input for the parsers: arbitrary text for the amount parser and arbitrary answers for
//! every gateway's response parsers. None may panic, and none may turn garbage into money, a pay
//! link that is not https (or loopback), or an error that carries a credential. The same answers
//! over HTTP are in `hostile_http.rs`.
//!
//! Cases per property: 256, or `PROPTEST_CASES`. Failures proptest finds are kept in
//! `hostile.proptest-regressions` beside this file and replayed first on every run.

mod common;

use common::answers::{answer, hostile_text};
use common::{assert_clean_error, check_created, check_status, config, creds, knobs, secrets};
use paydesk_gateways::{dex3, nonstopay, oxapay, pay3, thedex};
use paydesk_money::{parse_amount, Currency, DecimalStyle, MAX_MAJOR_UNITS};
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------------------------------------
// The amount parser

fn currency() -> impl Strategy<Value = Currency> {
    select(Currency::all().collect::<Vec<_>>())
}

fn amount_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9., +\u{a0}\u{2212}-]{0,16}",
        "[0-9]{1,8}([.,][0-9]{0,4})?",
        "[0-9]{1,3}([.,][0-9]{3}){0,3}([.,][0-9]{1,3})?",
        "[0-9a-zA-Z.,٣½]{0,12}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn amounts_never_panic_and_an_accepted_one_is_exact(
        text in amount_text(),
        currency in currency(),
        comma in any::<bool>(),
    ) {
        let style = if comma { DecimalStyle::Comma } else { DecimalStyle::Point };
        if let Ok(amount) = parse_amount(&text, currency, style) {
            let max = MAX_MAJOR_UNITS * 10u64.pow(currency.decimals().into());
            prop_assert!(amount.minor() > 0 && amount.minor() <= max, "{text:?} -> {}", amount.minor());
            prop_assert!(!text.chars().any(char::is_alphabetic), "{text:?} has letters yet was accepted");
            let shown = amount.to_decimal_string();
            let typed = if comma { shown.replace('.', ",") } else { shown.clone() };
            let again = parse_amount(&typed, currency, style).map(|a| a.minor());
            prop_assert_eq!(again, Ok(amount.minor()), "{:?} shown as {:?}", text, shown);
        }
    }

    #[test]
    fn pay3_dates_and_tokens_never_panic(text in hostile_text(), exp in any::<i64>()) {
        // Whatever the text, a parsed date is a real instant that prints back to the same instant.
        if let Some(unix) = pay3::parse_rfc3339(&text) {
            prop_assert_eq!(pay3::parse_rfc3339(&pay3::format_rfc3339(unix)), Some(unix));
        }
        pay3::jwt_exp(&text);
        let payload = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, format!(r#"{{"exp":{exp}}}"#));
        prop_assert_eq!(pay3::jwt_exp(&format!("e30.{payload}.sig")), Some(exp));
    }

    /// The pub response parsers of every gateway that has them, against arbitrary answers.
    #[test]
    fn response_parsers_never_panic_nor_accept_a_bad_pay_link(resp in answer()) {
        let c = creds("dex3", &[]);
        let s = secrets("dex3", &c);
        for k in [knobs("dex3", &[]), knobs("dex3", &[("unauthorized_codes", "401,403")])] {
            let asked = parse_amount("1", Currency::USD, DecimalStyle::Point).unwrap();
            check_created("dex3", dex3::parse_create(&resp, &c, &k, &asked), &s);
            check_status("dex3", dex3::parse_status(&resp, &c, &k), &s);
        }
        let c = creds("nonstopay", &[]);
        let s = secrets("nonstopay", &c);
        check_created("nonstopay", nonstopay::parse_create(&resp, &c), &s);
        check_status("nonstopay", nonstopay::parse_status(&resp, &c), &s);
        let c = creds("oxapay", &[]);
        let s = secrets("oxapay", &c);
        for contract in [oxapay::Contract::V1, oxapay::Contract::Legacy] {
            check_created("oxapay", oxapay::parse_create(contract, &resp, &c), &s);
            check_status("oxapay", oxapay::parse_status(contract, &resp, &c), &s);
        }
        let s = secrets("thedex", &creds("thedex", &[]));
        if let Err(e) = thedex::read_invoice(&resp) {
            assert_clean_error("thedex", &e, &s);
        }
        check_created("thedex", thedex::parse_create(&resp), &s);
        check_status("thedex", thedex::parse_status(&resp), &s);
    }
}
