//! The manager PIN: its format, its salted slow hash (Argon2id, PHC string) and the unlock session
//! with its idle timeout and wrong-attempt limit. Times are passed in as Unix seconds, so tests can
//! move the clock instead of sleeping.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_PIN_DIGITS: usize = 4;
pub const MAX_PIN_DIGITS: usize = 12;
/// Wrong PINs in a row before unlocking is refused for a while (see [`lockout_secs`]).
pub const MAX_WRONG_PINS: u32 = 5;
/// The first lock-out; each further wrong PIN doubles it, up to [`MAX_LOCKOUT_SECS`].
pub const LOCKOUT_SECS: i64 = 30;
pub const MAX_LOCKOUT_SECS: i64 = 3600;

/// How long unlocking is refused after `wrong` wrong PINs in a row: nothing before
/// [`MAX_WRONG_PINS`], then 30 s, 60 s, 120 s … up to an hour. A 4-digit PIN then takes days to
/// guess at the counter, and restarting the app does not reset it (see [`Attempts`]).
pub fn lockout_secs(wrong: u32) -> i64 {
    match wrong.checked_sub(MAX_WRONG_PINS) {
        None => 0,
        Some(extra) => LOCKOUT_SECS.saturating_mul(1i64 << extra.min(20)).min(MAX_LOCKOUT_SECS),
    }
}

/// The wrong-PIN count and lock-out, kept on disk so that restarting the app resets neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attempts {
    pub wrong_in_a_row: u32,
    /// Unix seconds.
    pub locked_out_until: Option<i64>,
}

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

/// The unlock state of one till: whether a manager unlocked it (in memory: restarting the app
/// locks it), and the wrong PINs (saved by the caller from [`Session::attempts`]).
#[derive(Debug, Default)]
pub struct Session {
    /// The last unlock or guarded call while unlocked; `None`: locked.
    active_at: Option<i64>,
    attempts: Attempts,
}

impl Session {
    /// A locked session that remembers earlier wrong PINs.
    pub fn with_attempts(attempts: Attempts) -> Session {
        Session { active_at: None, attempts }
    }

    pub fn attempts(&self) -> Attempts {
        self.attempts
    }

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
        self.attempts = Attempts::default();
        self.active_at = Some(now);
    }

    pub fn lock(&mut self) {
        self.active_at = None;
    }

    /// Seconds left of a lock-out after too many wrong PINs; 0 when none.
    pub fn locked_out_secs(&self, now: i64) -> i64 {
        self.attempts.locked_out_until.map_or(0, |until| (until - now).max(0))
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
        self.attempts.wrong_in_a_row = self.attempts.wrong_in_a_row.saturating_add(1);
        let wait = lockout_secs(self.attempts.wrong_in_a_row);
        if wait > 0 {
            self.attempts.locked_out_until = Some(now + wait);
            return Err(PinError::LockedOut(wait));
        }
        Err(PinError::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardening_06_the_lockout_grows_with_each_wrong_pin_after_five() {
        let secs: Vec<i64> = (1..=13).map(lockout_secs).collect();
        assert_eq!(secs, [0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(lockout_secs(u32::MAX), MAX_LOCKOUT_SECS);
        let hash = hash_pin("2468").unwrap();
        let mut s = Session::default();
        for _ in 0..4 {
            assert_eq!(s.unlock("1111", &hash, 0), Err(PinError::Wrong));
        }
        assert_eq!(s.unlock("1111", &hash, 0), Err(PinError::LockedOut(30)));
        assert_eq!(s.unlock("2468", &hash, 29), Err(PinError::LockedOut(1)), "not even the right PIN");
        assert_eq!(s.unlock("1111", &hash, 30), Err(PinError::LockedOut(60)));
        assert_eq!(s.attempts(), Attempts { wrong_in_a_row: 6, locked_out_until: Some(90) });
        s.unlock("2468", &hash, 90).unwrap();
        assert_eq!(s.attempts(), Attempts::default());
    }

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
