//! Passwords and the random tokens of sign-in: argon2id hashing (the `argon2` crate's defaults,
//! OWASP's recommended parameters), the minimum strength a new password must have, and the
//! opaque tokens of session cookies and password links (only their SHA-256 is stored).
//!
//! Hashing is slow on purpose: callers run it on a blocking thread ([`hash`], [`verify`]).

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

use super::keys::sha256_hex;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (hashing cost grows with it).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password as typed: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Password(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Why a new password is refused; the message tells the user what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("The password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("The password must have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error(
        "The password must mix at least two kinds of characters: lower-case letters, upper-case letters, digits, others"
    )]
    OneKindOfCharacter,
    #[error("The password must not contain your email address or its name part")]
    ContainsEmail,
    #[error("The password must not repeat one or two characters over and over")]
    Repetitive,
}

/// The minimum strength of a new password for the user with `email`.
pub fn check_strength(password: &Password, email: &str) -> Result<(), WeakPassword> {
    let text = password.expose();
    let chars = text.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(WeakPassword::TooLong);
    }
    let kinds = [
        text.chars().any(|c| c.is_lowercase()),
        text.chars().any(|c| c.is_uppercase()),
        text.chars().any(|c| c.is_ascii_digit()),
        text.chars().any(|c| !c.is_alphanumeric()),
    ];
    if kinds.iter().filter(|k| **k).count() < 2 {
        return Err(WeakPassword::OneKindOfCharacter);
    }
    let lower = text.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if !email.is_empty() && (lower.contains(&email) || (local.chars().count() >= 4 && lower.contains(local))) {
        return Err(WeakPassword::ContainsEmail);
    }
    let mut distinct: Vec<char> = text.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 {
        return Err(WeakPassword::Repetitive);
    }
    Ok(())
}

/// The argon2id PHC string of `password`, with a fresh random salt. Slow: call it on a blocking
/// thread.
pub fn hash_blocking(password: &Password) -> Result<String, argon2::password_hash::Error> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Ok(Argon2::default().hash_password(password.expose().as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches the stored PHC string (any argon2 variant and parameters it names).
/// Slow: call it on a blocking thread.
pub fn verify_blocking(password: &Password, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok())
}

/// [`hash_blocking`] on tokio's blocking pool.
pub async fn hash(password: Password) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// [`verify_blocking`] on tokio's blocking pool, against each of `stored` (one slow check each);
/// the indexes of those that match. With nothing stored, one check against a fixed hash still
/// runs, so that an unknown email takes as long as a known one.
pub async fn verify_each(password: Password, stored: Vec<String>) -> Vec<usize> {
    tokio::task::spawn_blocking(move || {
        if stored.is_empty() {
            let _ = verify_blocking(&password, DECOY_HASH);
            return Vec::new();
        }
        stored.iter().enumerate().filter(|(_, hash)| verify_blocking(&password, hash)).map(|(i, _)| i).collect()
    })
    .await
    .unwrap_or_default()
}

/// An argon2id hash (default parameters) of a password nobody knows, checked when an email has no
/// password to check.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2lnbmluLWRlY295LXNhbHQ$5Nmc1cKbl2cyVJgGxjyXvKzE4b1Hy2XW5L4mJbV7eQ4";

/// A random opaque token: a session cookie's value or a password link's token. Its `Debug` is
/// redacted; only [`SecretToken::hash`] is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(..)")
    }
}

impl SecretToken {
    /// 32 random bytes, base64url without padding (43 characters).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        SecretToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token presented by a client: only hashed and looked up.
    pub fn presented(text: &str) -> Self {
        SecretToken(text.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256, hex: what is stored and looked up.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength() {
        let email = "kim.doe@example.com";
        let check = |p: &str| check_strength(&Password::new(p), email);
        assert_eq!(check("short1A"), Err(WeakPassword::TooShort));
        assert_eq!(check("onlylowercaseletters"), Err(WeakPassword::OneKindOfCharacter));
        assert_eq!(check("1234567890123"), Err(WeakPassword::OneKindOfCharacter));
        assert_eq!(check("my-kim.doe-password"), Err(WeakPassword::ContainsEmail));
        assert_eq!(check("abababababab1"), Ok(()));
        assert_eq!(check("aaaaaaaaaa11"), Err(WeakPassword::Repetitive));
        assert_eq!(check(&"aB3".repeat(100)), Err(WeakPassword::TooLong));
        assert_eq!(check("correct horse battery staple"), Ok(()));
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let password = Password::new("correct horse battery staple");
        let a = hash_blocking(&password).expect("hash");
        let b = hash_blocking(&password).expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify_blocking(&password, &a));
        assert!(!verify_blocking(&Password::new("correct horse battery stapler"), &a));
        assert!(!verify_blocking(&password, "not a hash"));
        assert!(PasswordHash::new(DECOY_HASH).is_ok(), "the decoy is a well-formed hash");
    }

    #[test]
    fn tokens_are_random_and_redacted() {
        let a = SecretToken::generate();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, SecretToken::generate());
        assert_eq!(a.hash(), SecretToken::presented(a.expose()).hash());
        assert_eq!(format!("{a:?}"), "SecretToken(..)");
        assert_eq!(format!("{:?}", Password::new("x")), "Password(..)");
    }
}
