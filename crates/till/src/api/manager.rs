//! What the manager PIN guards: the PIN itself and its lock-out, settings, kiosk mode,
//! gateway credentials and connection tests.

use super::*;

impl Till {
    pub fn credentials(&self, gateway: &str) -> Result<Vec<CredentialField>, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        let states = self.desk.credentials().status(info)?;
        Ok(states
            .into_iter()
            .map(|s| CredentialField {
                name: s.field.into(),
                label: s.label.into(),
                secret: s.secret,
                required: s.required,
                source: Some(source_name(s.source).into()),
            })
            .collect())
    }

    pub fn set_credential(&self, gateway: &str, field: &str, value: String) -> Result<Vec<CredentialField>, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        check_arg("credential field name", field, MAX_FIELD_CHARS)?;
        if !info.fields.iter().any(|f| f.name == field) {
            let valid = info.fields.iter().map(|f| f.name).collect();
            let unknown = CredentialError::UnknownField { gateway: info.id, field: field.into(), valid };
            return Err(Error::BadInput(unknown.to_string()));
        }
        self.desk.credentials().set(info, field, Secret::new(value))?;
        self.credentials(gateway)
    }

    pub fn delete_credentials(&self, gateway: &str) -> Result<Vec<CredentialField>, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        self.desk.credentials().delete(info)?;
        self.credentials(gateway)
    }

    pub fn save_settings(&self, input: SettingsInput) -> Result<SettingsView, Error> {
        self.require_manager()?;
        self.info(&input.default_gateway)?;
        check_arg("default currency", &input.default_currency, MAX_CURRENCY_CHARS)?;
        check_arg("language", &input.language, MAX_CURRENCY_CHARS)?;
        if let Some(name) = &input.shop_name {
            check_arg("shop name", name, crate::config::MAX_SHOP_NAME_CHARS * 2)?;
        }
        for (gateway, url) in &input.base_urls {
            self.info(gateway)?;
            check_arg("base URL", url, MAX_BASE_URL_CHARS)?;
        }
        if let Some(url) = &input.relay_url {
            check_arg("callback relay URL", url, MAX_BASE_URL_CHARS)?;
        }
        if let Some(url) = &input.rates_url {
            check_arg("rates source", url, MAX_BASE_URL_CHARS)?;
        }
        if let Some(printer) = &input.printer {
            check_arg("printer", printer, MAX_BASE_URL_CHARS)?;
        }
        for (gateway, minutes) in &input.lifetime_minutes {
            let info = self.info(gateway)?;
            info.lifetime.check(info.name, minutes.saturating_mul(60)).map_err(Error::BadInput)?;
        }
        self.update_config(|config| {
            config.default_gateway = input.default_gateway;
            config.default_currency = input.default_currency.trim().to_ascii_uppercase();
            config.base_urls = input.base_urls.into_iter().filter(|(_, url)| !url.trim().is_empty()).collect();
            config.decimal_style = if input.decimal_comma { DecimalStyle::Comma } else { DecimalStyle::Point };
            config.terminal_label =
                input.terminal_label.map(|l| l.trim().to_ascii_uppercase()).filter(|l| !l.is_empty());
            config.shop_name = non_blank(input.shop_name);
            config.relay_url = non_blank(input.relay_url);
            config.language = input.language;
            config.sounds = input.sounds;
            config.tip_percents = input.tip_percents;
            config.kiosk = input.kiosk;
            config.always_on_top = input.always_on_top;
            config.idle_lock_minutes = input.idle_lock_minutes;
            config.lifetime_minutes = input.lifetime_minutes;
            config.tax_rounding = input.tax_rounding;
            config.max_rate_age_hours = input.max_rate_age_hours;
            config.rates_url = non_blank(input.rates_url);
            config.printer = non_blank(input.printer);
            config.paper_width = input.paper_width;
            config.printer_qr = input.printer_qr;
            config.auto_print = input.auto_print;
            config.copies = input.copies;
            config.drawer_on_cash = input.drawer_on_cash;
        })
    }

    /// Changes the settings: `change` edits a copy, which is checked and written to settings.json
    /// (atomically) and only then made the running one. The lock is held throughout, so two
    /// changes (a save and the last-gateway note of a charge) cannot undo each other.
    pub(super) fn update_config(&self, change: impl FnOnce(&mut TillConfig)) -> Result<SettingsView, Error> {
        let mut running = self.config.lock().unwrap_or_else(|p| p.into_inner());
        let mut config = running.clone();
        change(&mut config);
        config.save(&self.config_path, &self.gateway_ids()).map_err(|e| match e {
            crate::config::ConfigError::Invalid(why) => Error::BadInput(why),
            other => Error::Local(other.to_string()),
        })?;
        *running = config.clone();
        drop(running);
        self.apply_config();
        Ok(settings_view(&config))
    }

    pub fn manager_status(&self) -> ManagerStatus {
        let config = self.config();
        let now = (self.now)();
        let session = self.session();
        let idle_secs = i64::from(config.idle_lock_minutes) * 60;
        ManagerStatus {
            pin_set: config.manager_pin_hash.is_some(),
            unlocked: config.manager_pin_hash.is_none() || session.is_unlocked(now, idle_secs),
            locked_out_seconds: u32::try_from(session.locked_out_secs(now)).unwrap_or(u32::MAX),
        }
    }

    /// Opens manager functions with the manager PIN (nothing to open when no PIN is set).
    pub fn unlock(&self, pin: String) -> Result<ManagerStatus, Error> {
        self.try_unlock(&Secret::new(pin))?;
        Ok(self.manager_status())
    }

    pub(super) fn try_unlock(&self, pin: &Secret) -> Result<(), Error> {
        let Some(hash) = self.config().manager_pin_hash else { return Ok(()) };
        let mut session = self.session();
        let before = session.attempts();
        let outcome = session.unlock(pin.expose(), &hash, (self.now)());
        if session.attempts() != before {
            // Refused rather than forgotten: a count that cannot be kept must not let guessing on.
            save_attempts(&self.attempts_path, session.attempts())?;
        }
        Ok(outcome?)
    }

    pub fn lock(&self) -> ManagerStatus {
        self.session().lock();
        self.manager_status()
    }

    /// Sets, changes (`new` given) or removes (`new` `None`) the manager PIN. While a PIN is set
    /// this needs an unlocked session or the `current` PIN; the first PIN needs neither. Only the
    /// salted hash is saved, and whoever set the PIN stays unlocked.
    pub fn set_manager_pin(&self, current: Option<String>, new: Option<String>) -> Result<ManagerStatus, Error> {
        let (current, new) = (current.map(Secret::new), new.map(Secret::new));
        let hash = new.as_ref().map(|pin| pin::hash_pin(pin.expose())).transpose()?;
        if let Err(locked) = self.require_manager() {
            self.try_unlock(&current.ok_or(locked)?)?;
        }
        self.update_config(|config| config.manager_pin_hash = hash)?;
        let mut session = self.session();
        let earlier = session.attempts();
        session.open((self.now)());
        if earlier != session.attempts() {
            // A new PIN starts with no wrong tries, after a restart too. Failing to write that
            // only leaves the stricter count on disk, so the PIN that was just set stays set.
            let _ = save_attempts(&self.attempts_path, session.attempts());
        }
        drop(session);
        Ok(self.manager_status())
    }

    /// Leaves kiosk mode (saved), which only a manager may do when a PIN is set.
    pub fn leave_kiosk(&self) -> Result<SettingsView, Error> {
        self.require_manager()?;
        self.update_config(|config| config.kiosk = false)
    }

    /// Reaches the gateway's host and checks that its required credentials are set. It does not
    /// prove the credentials are accepted: no gateway offers a call that checks them for free.
    pub async fn test_connection(&self, gateway: &str) -> Result<ConnectionCheck, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        let base = self.desk.base_url(info)?;
        let creds = self.desk.load_credentials(info).await?;
        let missing: Vec<String> = info
            .fields
            .iter()
            .filter(|f| f.required && creds.get(f.name).is_none())
            .map(|f| f.name.to_string())
            .collect();
        let http_status = self.desk.probe(&base).await;
        let ok = http_status.is_some() && missing.is_empty();
        let host = base.host_str().unwrap_or("the host");
        // Any HTTP answer proves the host is there; what it says at its bare base URL (often 404)
        // says nothing about the account, so the code is kept out of the sentence.
        let reach = match http_status {
            Some(_) => format!("{host} answered"),
            None => format!("{host} could not be reached"),
        };
        let creds_text = if missing.is_empty() {
            "every required credential is set (the gateway checks them on the first charge)".to_string()
        } else {
            format!("missing: {}", missing.join(", "))
        };
        Ok(ConnectionCheck {
            base_url: base.to_string(),
            http_status,
            missing_fields: missing,
            ok,
            message: format!("{reach}; {creds_text}"),
        })
    }

    /// Ok when no manager PIN is set or a manager unlocked the till (and then the idle timer
    /// restarts); `manager_pin_required` otherwise. Every manager-only method calls it first.
    pub fn require_manager(&self) -> Result<(), Error> {
        let config = self.config();
        if config.manager_pin_hash.is_none() {
            return Ok(());
        }
        let idle_secs = i64::from(config.idle_lock_minutes) * 60;
        if self.session().touch((self.now)(), idle_secs) {
            Ok(())
        } else {
            Err(Error::ManagerPinRequired)
        }
    }

    pub(super) fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.manager.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A text setting as saved: trimmed, and `None` when nothing is left.
fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

pub(super) fn source_name(source: Source) -> &'static str {
    match source {
        Source::Env => "env",
        Source::Keyring => "keyring",
        Source::NotSet => "not_set",
    }
}

/// The wrong-PIN count and lock-out left by earlier runs. A file that cannot be read or parsed
/// counts as the longest lock-out, so garbling it does not reset the count. (Whoever can delete
/// it can as well remove the PIN's hash from settings.json: the PIN guards the till, not the files.)
pub(super) fn load_attempts(path: &Path) -> pin::Attempts {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => pin::Attempts::default(),
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| garbled_attempts()),
        Err(_) => garbled_attempts(),
    }
}

/// Writes a wrong-PIN count and lock-out to `path` (durably, readable by this user only), so that
/// restarting the app resets neither.
pub(super) fn save_attempts(path: &Path, attempts: pin::Attempts) -> Result<(), Error> {
    let bytes = serde_json::to_vec(&attempts).expect("plain data serializes");
    crate::config::write_private(path, &bytes)
        .map_err(|e| Error::Settings(format!("the wrong-PIN count could not be saved: {e}")))
}

pub(super) fn garbled_attempts() -> pin::Attempts {
    let wrong = pin::MAX_WRONG_PINS + 8;
    pin::Attempts {
        wrong_in_a_row: wrong,
        locked_out_until: Some(paydesk_money::clock::unix_now() + pin::lockout_secs(wrong)),
    }
}

/// Why a follow gave up on a sale no answer settled, and what a person does about it.
pub(super) fn settings_view(config: &TillConfig) -> SettingsView {
    SettingsView {
        saved: SettingsInput {
            default_gateway: config.default_gateway.clone(),
            default_currency: config.default_currency.clone(),
            base_urls: config.base_urls.clone(),
            decimal_comma: config.decimal_style == DecimalStyle::Comma,
            terminal_label: config.terminal_label.clone(),
            shop_name: config.shop_name.clone(),
            relay_url: config.relay_url.clone(),
            language: config.language.clone(),
            sounds: config.sounds,
            tip_percents: config.tip_percents.clone(),
            kiosk: config.kiosk,
            always_on_top: config.always_on_top,
            idle_lock_minutes: config.idle_lock_minutes,
            lifetime_minutes: config.lifetime_minutes.clone(),
            tax_rounding: config.tax_rounding,
            max_rate_age_hours: config.max_rate_age_hours,
            rates_url: config.rates_url.clone(),
            printer: config.printer.clone(),
            paper_width: config.paper_width,
            printer_qr: config.printer_qr,
            auto_print: config.auto_print,
            copies: config.copies,
            drawer_on_cash: config.drawer_on_cash,
        },
        last_gateway: config.last_gateway.clone(),
        manager_pin_set: config.manager_pin_hash.is_some(),
    }
}
