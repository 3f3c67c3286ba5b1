//! `paydesk credentials`: set, list and delete a gateway's fields in the OS keyring.

use crate::desk::credential_store;
use crate::output::to_json;
use crate::CredentialsAction;
use paydesk_gateways::secret::Secret;
use paydesk_till::error::Error;
use std::io::Read;

pub(crate) fn credentials(action: CredentialsAction) -> Result<(), Error> {
    let store = credential_store();
    let registry = paydesk_gateways::registry();
    let find = |id: &str| {
        registry.iter().find(|g| g.info().id == id).map(|g| g.info()).ok_or_else(|| {
            Error::BadInput(format!(
                "unknown gateway '{}'",
                id.chars().filter(|c| !c.is_control()).take(40).collect::<String>()
            ))
        })
    };
    match action {
        CredentialsAction::Set { gateway, field } => {
            let info = find(&gateway)?;
            let mut value = String::new();
            std::io::stdin()
                .read_to_string(&mut value)
                .map_err(|e| Error::Local(format!("could not read the value from standard input: {e}")))?;
            store.set(info, &field, Secret::new(value))?;
            eprintln!("{} {field} saved in the keyring.", info.name);
            Ok(())
        }
        CredentialsAction::List { gateway, json } => {
            let infos = match gateway {
                Some(id) => vec![find(&id)?],
                None => registry.iter().map(|g| g.info()).filter(|i| !i.fields.is_empty()).collect(),
            };
            let mut all = Vec::new();
            for info in infos {
                let states = store.status(info)?;
                if !json {
                    println!("{}:", info.id);
                    for s in &states {
                        println!(
                            "  {:<20} {}",
                            s.field,
                            serde_json::to_value(s.source).unwrap_or_default().as_str().unwrap_or("")
                        );
                    }
                }
                all.push(serde_json::json!({ "gateway": info.id, "fields": states }));
            }
            if json {
                println!("{}", to_json(&all));
            }
            Ok(())
        }
        CredentialsAction::Delete { gateway } => {
            let info = find(&gateway)?;
            let removed = store.delete(info)?;
            eprintln!("Removed {removed} stored field(s) of {}.", info.name);
            Ok(())
        }
    }
}
