//! NerdGraph's opaque cursors (`"=…"`): the key after which the next page starts.

use crate::domain::validate::echo;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::ErrorClass;

pub fn encode(key: &str) -> String {
    format!("={}", URL_SAFE_NO_PAD.encode(key))
}

/// The key in `cursor`; a cursor AccessGraph did not make is a `BAD_USER_INPUT` error.
pub fn decode(cursor: &str) -> async_graphql::Result<String> {
    cursor
        .strip_prefix('=')
        .and_then(|body| URL_SAFE_NO_PAD.decode(body).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ErrorClass::BadUserInput.error(format!("Invalid cursor: {}", echo(cursor))))
}

/// A cursor that holds a number (a row id or an offset).
pub fn decode_number<T: std::str::FromStr>(cursor: &str) -> async_graphql::Result<T> {
    decode(cursor)?.parse().map_err(|_| ErrorClass::BadUserInput.error(format!("Invalid cursor: {}", echo(cursor))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode("42");
        assert!(c.starts_with('='));
        assert_eq!(decode(&c).ok().as_deref(), Some("42"));
        assert_eq!(decode_number::<i64>(&c).ok(), Some(42));
        assert!(decode("42").is_err());
        assert!(decode("=!!!").is_err());
        assert!(decode_number::<i64>(&encode("x")).is_err());
    }
}
