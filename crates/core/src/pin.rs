//! The manager PIN: its format, its salted slow hash (Argon2id, PHC string) and the unlock session
//! with its idle timeout and wrong-attempt limit. Times are passed in as Unix seconds, so tests can
//! move the clock instead of sleeping.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_PIN_DIGITS: usize = 4;
pub const MAX_PIN_DIGITS: usize = 12;
/// Wrong PINs in a row before unlocking is refused for [`LOCKOUT_SECS`].
pub const MAX_WRONG_PINS: u32 = 5;
pub const LOCKOUT_SECS: i64 = 30;

/// Never carries the PIN: a message may reach the screen, a log or an IPC reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must be {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits")]
    Format,
    #[error("wrong PIN")]
    Wrong,
    #[error("too many wrong PINs: try again in {0} s")]
    LockedOut(i64),
    #[error("the saved manager PIN is unreadable; remove \"manager_pin_hash\" from settings.json to reset it")]
    BadHash,
}

/// Checks the PIN's format without saying what was typed.
pub fn check_pin(pin: &str) -> Result<(), PinError> {
    let digits = (MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit());
    if digits {
        Ok(())
    } else {
        Err(PinError::Format)
    }
}

/// The PIN as an Argon2id PHC string with a fresh random salt (so two hashes of one PIN differ).
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_pin(pin)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt length");
    let hash = Argon2::default().hash_password(pin.as_bytes(), &salt).expect("default Argon2 parameters are valid");
    Ok(hash.to_string())
}

/// Whether `pin` matches `hash`; the digests are compared in constant time by `password-hash`.
pub fn verify_pin(pin: &str, hash: &str) -> Result<bool, PinError> {
    let parsed = PasswordHash::new(hash).map_err(|_| PinError::BadHash)?;
    Ok(Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok())
}

/// The in-memory unlock state of one till. Restarting the app locks it.
#[derive(Debug, Default)]
pub struct Session {
    /// The last unlock or guarded call while unlocked; `None`: locked.
    active_at: Option<i64>,
    wrong_in_a_row: u32,
    locked_out_until: Option<i64>,
}

impl Session {
    /// Unlocked now: unlocked and not idle for `idle_secs` (0: never idles out).
    pub fn is_unlocked(&self, now: i64, idle_secs: i64) -> bool {
        match self.active_at {
            Some(at) => idle_secs == 0 || now - at < idle_secs,
            None => false,
        }
    }

    /// Counts a guarded call: true and the idle timer restarts if unlocked; false (and locked
    /// from then on) if not.
    pub fn touch(&mut self, now: i64, idle_secs: i64) -> bool {
        if self.is_unlocked(now, idle_secs) {
            self.active_at = Some(now);
            true
        } else {
            self.active_at = None;
            false
        }
    }

    /// Unlocked by a manager who just proved it (a right PIN, or setting the PIN).
    pub fn open(&mut self, now: i64) {
        self.wrong_in_a_row = 0;
        self.locked_out_until = None;
        self.active_at = Some(now);
    }

    pub fn lock(&mut self) {
        self.active_at = None;
    }

    /// Seconds left of a lock-out after too many wrong PINs; 0 when none.
    pub fn locked_out_secs(&self, now: i64) -> i64 {
        self.locked_out_until.map_or(0, |until| (until - now).max(0))
    }

    /// Unlocks if `pin` matches `hash`. While locked out nothing is checked, not even the right
    /// PIN; once a lock-out has passed each further wrong PIN starts another until a right one.
    pub fn unlock(&mut self, pin: &str, hash: &str, now: i64) -> Result<(), PinError> {
        let wait = self.locked_out_secs(now);
        if wait > 0 {
            return Err(PinError::LockedOut(wait));
        }
        if check_pin(pin).is_ok() && verify_pin(pin, hash)? {
            self.open(now);
            return Ok(());
        }
        self.wrong_in_a_row += 1;
        if self.wrong_in_a_row >= MAX_WRONG_PINS {
            self.locked_out_until = Some(now + LOCKOUT_SECS);
            return Err(PinError::LockedOut(LOCKOUT_SECS));
        }
        Err(PinError::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_timer_restarts_on_each_guarded_call() {
        let hash = hash_pin("2468").unwrap();
        let mut s = Session::default();
        assert!(!s.touch(0, 60));
        s.unlock("2468", &hash, 100).unwrap();
        assert!(s.touch(159, 60));
        assert!(s.touch(218, 60));
        assert!(!s.touch(278, 60), "60 s idle locks");
        assert!(!s.touch(279, 60), "and it stays locked");
        s.unlock("2468", &hash, 300).unwrap();
        assert!(s.touch(1_000_000, 0), "0 never idles out");
        s.lock();
        assert!(!s.is_unlocked(1_000_000, 0));
    }
}
