//! The commands about the gateways themselves rather than sales: `gateways` and `simulate`.

use crate::output::to_json;
use paydesk_gateways::gateway::Lifetime;
use paydesk_till::error::Error;

/// How a gateway id reads for a person: its name, or Cash / Manual for the till's own entries.
pub(crate) fn gateway_name(id: &str) -> String {
    if let Some(name) = paydesk_till::report::entry_gateway_name(id) {
        return name.to_string();
    }
    let registry = paydesk_gateways::registry();
    registry.iter().map(|g| g.info()).find(|i| i.id == id).map_or_else(|| id.to_string(), |i| i.name.to_string())
}

pub(crate) fn gateways(json: bool) -> Result<(), Error> {
    let infos = paydesk_gateways::registry();
    if json {
        let list: Vec<_> = infos
            .iter()
            .map(|g| {
                let i = g.info();
                serde_json::json!({
                    "id": i.id, "name": i.name, "default_base_url": i.default_base_url,
                    "fields": i.fields, "knobs": i.knobs, "currencies": i.currencies, "can_poll": i.can_poll,
                    "lifetime": i.lifetime,
                })
            })
            .collect();
        println!("{}", to_json(&list));
        return Ok(());
    }
    for g in &infos {
        let i = g.info();
        println!("{} ({})  {}", i.id, i.name, i.default_base_url);
        println!("  currencies: {}", i.currencies.map(|c| c.join(", ")).unwrap_or_else(|| "any".into()));
        match i.lifetime {
            Lifetime::Settable { min_secs, max_secs } => println!(
                "  lifetime:   {} to {} minutes (charge --lifetime; default {})",
                min_secs / 60,
                max_secs / 60,
                Lifetime::DEFAULT_SECS / 60
            ),
            Lifetime::Fixed => println!("  lifetime:   set by {}", i.name),
        }
        if i.fields.is_empty() {
            println!("  credentials: none needed");
        }
        for f in i.fields {
            let kind = if f.secret { "secret" } else { "setting" };
            let need = if f.required { "required" } else { "optional" };
            println!("  credential {:<20} {kind}, {need}  ({}; env {})", f.name, f.label, i.env_var(f.name));
        }
        for k in i.knobs {
            println!("  doubtful   {:<20} = {:?}  ({}; env {})", k.name, k.default, k.doubt, i.env_var(k.name));
        }
    }
    Ok(())
}

pub(crate) async fn simulate(port: u16) -> Result<(), Error> {
    let running = paydesk_gatewaysim::start(port)
        .await
        .map_err(|e| Error::Local(format!("the simulator could not listen on 127.0.0.1:{port}: {e}")))?;
    println!("Gateway simulator on http://{} (Ctrl-C to stop)", running.addr);
    for gw in paydesk_gatewaysim::gateways::ALL {
        println!("  {:<10} base URL {}", gw.id, running.base_url(gw.id));
        for (field, value) in gw.credentials {
            println!("             {field} = {value}");
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
