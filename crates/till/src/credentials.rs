//! Where gateway credentials live: the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), with `PAYDESK_<GATEWAY>_<FIELD>` environment variables taking
//! precedence so a headless till can run without one.
//!
//! There is deliberately no fallback: if the keyring cannot be used, every call says so and how to
//! fix it, rather than quietly keeping secrets in a plaintext file or in memory.

use paydesk_gateways::gateway::{Credentials, GatewayInfo};
use paydesk_gateways::secret::Secret;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

/// The keyring service name Paydesk's entries are filed under.
pub const DEFAULT_SERVICE: &str = "dev.paydesk.Paydesk";

/// The longest credential value accepted; real keys are far shorter, so more is a paste accident.
pub const MAX_VALUE_BYTES: usize = 4096;

type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Reads and writes gateway credentials. Keyring entries are named `<gateway id>.<field>` under
/// the store's service name, one entry per field.
///
/// Keyring calls block (D-Bus round trips on Linux): call them from a blocking thread in async code.
pub struct CredentialStore {
    backend: Backend,
    env: EnvLookup,
}

enum Backend {
    Os { service: String },
    Memory(Mutex<HashMap<String, Secret>>),
}

/// Where a field's value currently comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Env,
    Keyring,
    NotSet,
}

/// What a settings screen may know about a field: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldState {
    pub field: &'static str,
    pub label: &'static str,
    pub secret: bool,
    pub required: bool,
    pub source: Source,
}

/// Every message is safe to show and log: none contains a credential value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("{gateway} has no credential '{field}' ({})", valid_fields(valid))]
    UnknownField { gateway: &'static str, field: String, valid: Vec<&'static str> },
    #[error("{0}")]
    Invalid(String),
    /// The keyring is locked, absent (no Secret Service) or refuses access.
    #[error("{0}")]
    Unavailable(String),
    #[error("the OS keyring failed: {0}")]
    Platform(String),
}

fn valid_fields(valid: &[&str]) -> String {
    if valid.is_empty() {
        "it needs no credentials".to_string()
    } else {
        format!("its fields are: {}", valid.join(", "))
    }
}

impl CredentialStore {
    /// The OS keyring under `service` (normally [`DEFAULT_SERVICE`]; tests pass their own so they
    /// never touch real entries), overridden by the process environment.
    pub fn os_keyring(service: impl Into<String>) -> CredentialStore {
        CredentialStore {
            backend: Backend::Os { service: service.into() },
            env: Box::new(|name| std::env::var(name).ok()),
        }
    }

    /// A store that keeps values in a map and reads no environment, for tests about a gateway's
    /// HTTP contract rather than about the keyring. Never use it for real credentials: they would
    /// be lost on exit, which is exactly the silent fallback the OS store refuses to do.
    pub fn in_memory() -> CredentialStore {
        CredentialStore { backend: Backend::Memory(Mutex::default()), env: Box::new(|_| None) }
    }

    /// Replaces how environment variables are read, so tests need not change the process's own.
    pub fn with_env(self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> CredentialStore {
        CredentialStore { env: Box::new(lookup), ..self }
    }

    /// Stores one field in the keyring. A trailing newline (values are often piped in) is dropped.
    /// An environment variable for the field, if set, still takes precedence when loading.
    pub fn set(&self, info: &GatewayInfo, field: &str, value: Secret) -> Result<(), CredentialError> {
        let Some(spec) = info.fields.iter().find(|f| f.name == field) else {
            return Err(CredentialError::UnknownField {
                gateway: info.id,
                field: field.to_string(),
                valid: info.fields.iter().map(|f| f.name).collect(),
            });
        };
        let value = strip_newline(value.expose());
        check_value(value, &format!("the value for {}.{}", info.id, spec.name))?;
        self.backend.set(&entry_user(info, spec.name), value).map_err(|e| keyring_error(e, info, spec.name))
    }

    /// Every declared field that has a value (environment first, then keyring). Missing fields are
    /// simply absent: the gateway reports which ones it needs.
    ///
    /// Without a usable keyring, optional fields without a variable count as unset, so a headless
    /// till whose required fields are all in the environment still works; a required field's
    /// lookup still fails with the way forward.
    pub fn load(&self, info: &GatewayInfo) -> Result<Credentials, CredentialError> {
        let mut creds = Credentials::default();
        for spec in info.fields {
            match self.lookup(info, spec.name) {
                Ok(Some((value, _))) => creds.insert(spec.name, value),
                Ok(None) => {}
                Err(CredentialError::Unavailable(_)) if !spec.required => {}
                Err(e) => return Err(e),
            }
        }
        Ok(creds)
    }

    /// Where each declared field's value comes from, without the values.
    pub fn status(&self, info: &GatewayInfo) -> Result<Vec<FieldState>, CredentialError> {
        info.fields
            .iter()
            .map(|spec| {
                let source = self.lookup(info, spec.name)?.map_or(Source::NotSet, |(_, source)| source);
                Ok(FieldState {
                    field: spec.name,
                    label: spec.label,
                    secret: spec.secret,
                    required: spec.required,
                    source,
                })
            })
            .collect()
    }

    /// Removes every field of the gateway from the keyring (environment variables are not ours to
    /// remove) and returns how many entries there were.
    pub fn delete(&self, info: &GatewayInfo) -> Result<usize, CredentialError> {
        let mut removed = 0;
        for spec in info.fields {
            if self.backend.delete(&entry_user(info, spec.name)).map_err(|e| keyring_error(e, info, spec.name))? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn lookup(&self, info: &GatewayInfo, field: &str) -> Result<Option<(Secret, Source)>, CredentialError> {
        let var = info.env_var(field);
        if let Some(raw) = (self.env)(&var).map(Secret::new) {
            // An empty variable counts as unset, so `PAYDESK_X_Y=` can switch an override off.
            if !raw.expose().is_empty() {
                let value = strip_newline(raw.expose());
                check_value(value, &var)?;
                return Ok(Some((Secret::new(value), Source::Env)));
            }
        }
        let stored = self.backend.get(&entry_user(info, field)).map_err(|e| keyring_error(e, info, field))?;
        Ok(stored.map(|value| (value, Source::Keyring)))
    }
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::Os { service } => f.debug_struct("CredentialStore").field("os_keyring", service).finish(),
            Backend::Memory(_) => f.write_str("CredentialStore(in memory)"),
        }
    }
}

impl Backend {
    fn get(&self, user: &str) -> keyring::Result<Option<Secret>> {
        match self {
            Backend::Os { service } => match keyring::Entry::new(service, user)?.get_password() {
                Ok(value) => Ok(Some(Secret::new(value))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e),
            },
            Backend::Memory(map) => Ok(map.lock().unwrap_or_else(PoisonError::into_inner).get(user).cloned()),
        }
    }

    fn set(&self, user: &str, value: &str) -> keyring::Result<()> {
        match self {
            Backend::Os { service } => keyring::Entry::new(service, user)?.set_password(value),
            Backend::Memory(map) => {
                map.lock().unwrap_or_else(PoisonError::into_inner).insert(user.to_string(), Secret::new(value));
                Ok(())
            }
        }
    }

    /// Whether there was an entry to remove.
    fn delete(&self, user: &str) -> keyring::Result<bool> {
        match self {
            Backend::Os { service } => match keyring::Entry::new(service, user)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(e),
            },
            Backend::Memory(map) => Ok(map.lock().unwrap_or_else(PoisonError::into_inner).remove(user).is_some()),
        }
    }
}

fn entry_user(info: &GatewayInfo, field: &str) -> String {
    format!("{}.{}", info.id, field)
}

fn strip_newline(value: &str) -> &str {
    let value = value.strip_suffix('\n').unwrap_or(value);
    value.strip_suffix('\r').unwrap_or(value)
}

/// `what` names the value in the error; the value itself never appears there.
fn check_value(value: &str, what: &str) -> Result<(), CredentialError> {
    if value.is_empty() {
        return Err(CredentialError::Invalid(format!("{what} is empty")));
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(CredentialError::Invalid(format!(
            "{what} is {} bytes long; at most {MAX_VALUE_BYTES} are accepted",
            value.len()
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(CredentialError::Invalid(format!(
            "{what} contains control characters (a line break or tab pasted with it?)"
        )));
    }
    Ok(())
}

/// Only the variants' own words go into messages: `BadEncoding` carries the stored bytes.
fn keyring_error(err: keyring::Error, info: &GatewayInfo, field: &str) -> CredentialError {
    match err {
        keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => {
            CredentialError::Unavailable(format!(
                "the OS keyring cannot be used ({e}): start or unlock your keyring, or set {} instead",
                info.env_var(field)
            ))
        }
        keyring::Error::BadEncoding(_) => CredentialError::Platform(format!(
            "the keyring entry for {} is not text; set it again",
            entry_user(info, field)
        )),
        keyring::Error::Ambiguous(entries) => CredentialError::Platform(format!(
            "{} keyring entries match {}; remove the extra ones in your keyring manager",
            entries.len(),
            entry_user(info, field)
        )),
        other => CredentialError::Platform(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
