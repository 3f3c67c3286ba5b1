//! The simulator's answers, as gateways.md documents them: statuses as the customer moves an
//! invoice, expiry fields, amounts echoed exactly as asked, and each gateway's lookups.

mod common;

use common::*;
use paydesk_gatewaysim::{now, start};
use serde_json::{json, Value};

#[tokio::test]
async fn pay3_underpay_is_completed_with_half_the_amount_as_exchange_amount() {
    let sim = start(0).await.unwrap();
    let token = pay3_token(&sim).await;
    let mut links = Vec::new();
    for (request_id, amount) in [("PD-PAY", "12.35"), ("PD-UNDER", "12.35"), ("PD-EXP", "12.35")] {
        let created = pay3_checkout(&sim, &token, request_id, amount).await.json();
        assert_eq!(created["offerInfoData"]["totalFiatAmount"], amount, "echoed as asked");
        links.push(created["url"].as_str().expect("returnUrl mode answers a url").to_string());
    }
    let order = |request_id: &'static str| {
        let (sim, token) = (&sim, token.clone());
        async move { pay3_orders(sim, &token, request_id).await["data"][0].clone() }
    };
    assert_eq!(order("PD-PAY").await["orderStatus"], "CREATED");
    view(&sim, &links[0]).await;
    assert_eq!(order("PD-PAY").await["orderStatus"], "ORDER_PAYMENT_AWAITING");
    press(&sim, &links[0], "pay").await;
    press(&sim, &links[1], "underpay").await;
    press(&sim, &links[2], "expire").await;

    let paid = order("PD-PAY").await;
    assert_eq!((paid["orderStatus"].as_str(), paid["exchangeAmount"].as_str()), (Some("COMPLETED"), Some("12.35")));
    // Within Pay3's tolerance an under-payment ends COMPLETED too (§4.6): only the amount tells.
    let under = order("PD-UNDER").await;
    assert_eq!((under["orderStatus"].as_str(), under["exchangeAmount"].as_str()), (Some("COMPLETED"), Some("6.17")));
    assert_eq!(order("PD-EXP").await["orderStatus"], "ABANDONED");
    for field in ["orderId", "userAddress", "updatedTs", "partner", "requestId", "clientId", "exchangeCurId"] {
        assert!(!under[field].is_null(), "{field} in {under}");
    }
    assert_eq!(
        (under["orderType"].as_str(), under["userAddress"].as_str()),
        (Some("CHECKOUT"), Some("buyer@example.com"))
    );
    assert_eq!(under["exchangeCurId"], cred("pay3", "currency_id"));
    assert_eq!(pay3_orders(&sim, &token, "PD-NEVER").await, json!({"data": []}));
}

#[tokio::test]
async fn pay3_refuses_a_missing_or_forged_access_token() {
    let sim = start(0).await.unwrap();
    let token = pay3_token(&sim).await;
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let lifetime = claims["exp"].as_i64().unwrap() - now();
    assert!((29 * 60..=30 * 60).contains(&lifetime), "a token lasts 30 minutes: {lifetime}");
    let forged = format!("{}x", token);
    let refused = pay3_checkout(&sim, &forged, "PD-1", "1.00").await;
    assert_eq!((refused.status, refused.json()), (401, json!({"error": "Client verification failed"})));
    assert_eq!(sim.sim.invoices_for_order("pay3", "PD-1").len(), 0);
}

#[tokio::test]
async fn nonstopay_info_echoes_callback_json_and_history_lists_by_status_and_day() {
    let sim = start(0).await.unwrap();
    let as_text = r#"{"order_id":"PD-1", "till": 3}"#;
    let created = nonstopay_create(&sim, json!("12.30"), json!(as_text)).await.json();
    let link = created["redirectUrl"].as_str().unwrap().to_string();
    assert_eq!(created, json!({"errorCode": 0, "redirectUrl": link, "html": format!("<a href='{link}'></a>")}));
    nonstopay_create(&sim, json!(4), json!({"order_id": "PD-2"})).await;
    let (first, second) =
        (sim.sim.find_by_order("nonstopay", "PD-1").unwrap(), sim.sim.find_by_order("nonstopay", "PD-2").unwrap());

    let info = nonstopay_get(&sim, &format!("api/client-invoice-info/get/?id={}", first.gateway_id)).await.json();
    assert_eq!(info["invoice_id"], first.gateway_id.as_str());
    assert_eq!(info["data"]["id"], first.gateway_id.parse::<u64>().unwrap(), "a number here");
    assert_eq!(info["data"]["callbackJson"], as_text, "the text exactly as sent");
    assert_eq!(
        (info["data"]["amount"].to_string(), info["data"]["status"].as_str()),
        ("12.3".into(), Some("invoice:created"))
    );
    let info = nonstopay_get(&sim, &format!("api/client-invoice-info/get/?id={}", second.gateway_id)).await.json();
    assert_eq!(info["data"]["callbackJson"], json!({"order_id": "PD-2"}), "an object stays an object");

    let status = nonstopay_get(&sim, &format!("api/invoice/status/?id={}", first.gateway_id)).await.json();
    let listed = json!({"id": first.gateway_id, "devise": "USD", "amount": "12.30", "status": "invoice:created"});
    assert_eq!(status, json!({"errorCode": 0, "invoice": listed}));
    view(&sim, &link).await;
    press(&sim, &sim.sim.pay_link(&second), "pay").await;

    // The invoices' own day (UTC), as the history filters on it.
    let today = info["data"]["datetime"].as_str().unwrap()[..10].to_string();
    let sim = &sim;
    let history =
        |query: String| async move { nonstopay_get(sim, &format!("api/invoice/history/?{query}")).await.json() };
    let all = history(format!("status=ALL&from={today}&to={today}&order=ASC")).await;
    let ids: Vec<&str> = all["invoices"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.gateway_id.as_str(), second.gateway_id.as_str()]);
    assert_eq!(all["invoices"][0]["status"], "invoice:opened", "viewed");
    assert!(all["invoices"][0].get("callbackJson").is_none());
    let paid = history(format!("status=PAID&from={today}&to={today}")).await;
    assert_eq!(paid["invoices"].as_array().unwrap().len(), 1);
    assert_eq!(paid["invoices"][0]["id"], second.gateway_id.as_str());
    let long_ago = history("status=ALL&from=2020-01-01&to=2020-01-02".into()).await;
    assert_eq!(long_ago["invoices"], json!([]));
    let bad_day = history(format!("status=ALL&from={today}&to=tomorrow")).await;
    assert_eq!(bad_day["errorCode"], 50013);
}

#[tokio::test]
async fn nonstopay_status_needs_the_key_and_an_id_of_this_merchant() {
    let sim = start(0).await.unwrap();
    let path = "/nonstopay/api/invoice/status/?id=1";
    let code = |answer: Answer| answer.json()["errorCode"].clone();
    assert_eq!(code(call(&sim, "GET", path, &[], b"").await), 50001);
    assert_eq!(code(call(&sim, "GET", path, &[("API-KEY", "nope")], b"").await), 50007);
    assert_eq!(code(nonstopay_get(&sim, "api/invoice/status/").await), 50002);
    let unknown = nonstopay_get(&sim, "api/client-invoice-info/get/?id=99999").await.json();
    assert_eq!(unknown, json!({"errorCode": 50011, "errorMessage": "This invoice belongs to another merchant"}));
}

#[tokio::test]
async fn dex3_answers_expiration_as_a_timestamp_and_the_amount_as_sent() {
    let sim = start(0).await.unwrap();
    let created = dex3_create(&sim, "PD-1", "1234", "600").await.json();
    let data = &created["data"]["paymentData"];
    assert_eq!(data["amount"], "1234");
    let expiration = data["expiration"].as_i64().unwrap();
    assert!((now() + 595..=now() + 600).contains(&expiration), "seconds from now, as a unix time: {expiration}");
    let never = dex3_create(&sim, "PD-2", "1234", "0").await.json();
    assert!(never["data"]["paymentData"]["expiration"].as_i64().unwrap() > now() + 365 * 86_400, "0 never expires");

    let id = data["payment_id"].as_str().unwrap();
    let headers = [("merchant_public", cred("dex3", "merchant_public"))];
    let status = |id: String| {
        let sim = &sim;
        async move { call(sim, "GET", &format!("/dex3/getpaymentstatus/{id}"), &headers, b"").await.json() }
    };
    assert_eq!(status(id.into()).await, json!({"state": true, "data": "created"}));
    press(&sim, created["data"]["payLink"].as_str().unwrap(), "underpay").await;
    assert_eq!(status(id.into()).await["data"], "received", "Dex3 has no underpaid: funds arrived, not completed");

    let decimal = dex3_create(&sim, "PD-3", "12.34", "600").await;
    assert_eq!(decimal.status, 403);
    assert!(decimal.json()["error"]["errData"]["amount"].is_object(), "a form error naming the field");
}

#[tokio::test]
async fn thedex_answers_the_amount_as_sent_and_expires_after_its_platform_hour() {
    let sim = start(0).await.unwrap();
    let created = thedex_create(&sim, "PD-1", "12.30").await.json();
    assert_eq!(created["amount"], "12.30");
    let lifetime = created["expirationTimestamp"].as_i64().unwrap() - created["createTimestamp"].as_i64().unwrap();
    assert_eq!(lifetime, 3_600_000, "milliseconds");
    press(&sim, created["payUrl"].as_str().unwrap(), "pay").await;
    let one = thedex_call(&sim, "invoices/one", json!({"invoiceId": created["invoiceId"]})).await.json();
    assert_eq!((one["status"].as_i64(), one["statusName"].as_str()), (Some(3), Some("Successful")));
    let none = thedex_call(&sim, "invoices/one", json!({"orderId": "PD-NEVER"})).await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn oxapay_lifetime_is_15_to_2880_minutes_on_both_contracts() {
    let sim = start(0).await.unwrap();
    let v1 = |lifetime: Value| {
        let sim = &sim;
        async move {
            let body = json!({"amount": 5, "order_id": "PD-1", "lifetime": lifetime});
            oxapay_v1(sim, "POST", "payment/invoice", &body).await
        }
    };
    for (lifetime, status) in
        [(json!(14), 400), (json!(15), 200), (json!(2880), 200), (json!(2881), 400), (json!("60"), 400)]
    {
        let answer = v1(lifetime.clone()).await;
        assert_eq!(answer.status, status, "{lifetime}");
        if status == 400 {
            assert_eq!(answer.json()["error"]["key"], "lifetime");
        }
    }
    let legacy = |lifetime: i64| {
        let sim = &sim;
        async move {
            oxapay_legacy(sim, "request", json!({"amount": 5, "lifeTime": lifetime})).await.json()["result"].clone()
        }
    };
    assert_eq!(
        (legacy(14).await, legacy(15).await, legacy(2880).await, legacy(2881).await),
        (json!(111), json!(100), json!(100), json!(112))
    );
}

#[tokio::test]
async fn oxapay_v1_history_lists_the_invoices_of_one_order_id() {
    let sim = start(0).await.unwrap();
    for order in ["PD-1", "PD-2", "PD-1"] {
        oxapay_v1(&sim, "POST", "payment/invoice", &json!({"amount": 12.3, "order_id": order})).await;
    }
    let history = oxapay_v1(&sim, "GET", "payment?order_id=PD-1", &json!(null)).await.json();
    assert_eq!((history["message"].as_str(), history["status"].as_i64()), (Some("ok"), Some(200)));
    let list = history["data"]["list"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(history["data"]["meta"], json!({"page": 1, "last_page": 1, "total": 2}));
    assert!(list
        .iter()
        .all(|item| item["order_id"] == "PD-1" && item["amount"] == json!(12.3) && item["status"] == "new"));
    let all = oxapay_v1(&sim, "GET", "payment", &json!(null)).await.json();
    assert_eq!(all["data"]["meta"]["total"], 3);
}
