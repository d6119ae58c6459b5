//! Input checks shared by every change: what a name, an email or a time zone may be.
//! Each returns the cleaned value or a `BadInput` error that names the field.

use crate::error::{AppError, AppResult};

/// Longest name, display name or email accepted.
pub const MAX_TEXT: usize = 255;

/// A required human-readable name: trimmed, not blank, at most [`MAX_TEXT`] characters, no
/// control characters.
pub fn name(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_input(format!("{field} can't be blank")));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(AppError::bad_input(format!("{field} is too long (maximum is {MAX_TEXT} characters)")));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::bad_input(format!("{field} must not contain control characters")));
    }
    Ok(value.to_owned())
}

/// Longest notes accepted (API keys' notes).
pub const MAX_NOTES: usize = 1_000;

/// Free-text notes, which may be empty: trimmed, at most [`MAX_NOTES`] characters, no control
/// characters other than line breaks and tabs.
pub fn notes(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if value.chars().count() > MAX_NOTES {
        return Err(AppError::bad_input(format!("{field} are too long (maximum is {MAX_NOTES} characters)")));
    }
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(AppError::bad_input(format!("{field} must not contain control characters")));
    }
    Ok(value.to_owned())
}

/// An email address: trimmed, one `@` with text on both sides, a dot in the domain, no spaces.
pub fn email(value: &str) -> AppResult<String> {
    let value = value.trim();
    let invalid = || AppError::bad_input(format!("Email '{}' is not a valid email address", echo(value)));
    if value.is_empty() {
        return Err(AppError::bad_input("Email can't be blank"));
    }
    if value.len() > MAX_TEXT || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(invalid());
    }
    Ok(value.to_owned())
}

/// Most characters of input an error message echoes; longer input is cut (see [`echo`]).
pub const MAX_ECHOED_CHARS: usize = 100;

/// `input` as an error message may echo it: at most [`MAX_ECHOED_CHARS`] characters, and cut
/// input ends in "…". Every message that repeats what a client sent goes through it.
pub fn echo(input: &str) -> String {
    match input.char_indices().nth(MAX_ECHOED_CHARS) {
        Some((end, _)) => format!("{}…", &input[..end]),
        None => input.to_owned(),
    }
}

/// Most characters of an error message built by a library around a client's input (which it may
/// echo whole); longer messages are cut like echoed input.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// `message`, cut to [`MAX_MESSAGE_CHARS`] characters ending in "…" when longer.
pub fn echo_message(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

/// An IANA time zone name such as `Etc/UTC` or `America/Los_Angeles`.
pub fn time_zone(value: &str) -> AppResult<String> {
    let value = value.trim();
    let valid = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && !value.starts_with('/')
        && !value.ends_with('/');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(format!("Time zone '{}' is not valid", echo(value))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(name("Name", "  Ada ").ok(), Some("Ada".to_owned()));
        assert!(name("Name", "   ").is_err());
        assert!(name("Name", &"x".repeat(256)).is_err());
        assert!(name("Name", "a\u{0}b").is_err());
    }

    #[test]
    fn notes_may_be_empty_or_span_lines() {
        assert_eq!(notes("Notes", "  ").ok(), Some(String::new()));
        assert_eq!(notes("Notes", " first\nsecond\tthird ").ok(), Some("first\nsecond\tthird".to_owned()));
        assert!(notes("Notes", &"x".repeat(1_001)).is_err());
        assert!(notes("Notes", "a\u{7}b").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert_eq!(email(" Ada@Example.com ").ok(), Some("Ada@Example.com".to_owned()));
        for bad in ["", "ada", "@example.com", "ada@", "ada@example", "a da@example.com", "a@b@example.com"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn echoed_input_is_cut() {
        assert_eq!(echo("short"), "short");
        let echoed = echo(&"ü".repeat(MAX_ECHOED_CHARS + 50));
        assert_eq!(echoed.chars().count(), MAX_ECHOED_CHARS + 1);
        assert!(echoed.ends_with('…'));
        assert_eq!(echo(&"a".repeat(MAX_ECHOED_CHARS)), "a".repeat(MAX_ECHOED_CHARS));
        let message = email(&format!("{}@", "x".repeat(1_000_000))).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn time_zones_look_like_iana_names() {
        assert!(time_zone("America/Los_Angeles").is_ok());
        assert!(time_zone("Etc/GMT+5").is_ok());
        assert!(time_zone("not a zone").is_err());
        assert!(time_zone("").is_err());
    }
}
