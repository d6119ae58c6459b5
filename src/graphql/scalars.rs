//! NerdGraph's scalars that more than one area uses: `SecureValue`, `EpochSeconds` and
//! `EpochMilliseconds`.

use std::fmt;

use async_graphql::{InputValueError, InputValueResult, Number, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};

/// NerdGraph's `SecureValue`: a string that is a secret or holds one. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecureValue(pub String);

impl fmt::Debug for SecureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecureValue(***)")
    }
}

#[Scalar]
impl ScalarType for SecureValue {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Ok(SecureValue(text)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// NerdGraph's `EpochMilliseconds`: milliseconds since the Unix epoch, an unquoted integer on the
/// wire (clients decode it as a number: a quoted one fails them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EpochMilliseconds(pub i64);

impl From<DateTime<Utc>> for EpochMilliseconds {
    fn from(time: DateTime<Utc>) -> Self {
        EpochMilliseconds(time.timestamp_millis())
    }
}

#[Scalar]
impl ScalarType for EpochMilliseconds {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n.as_i64().map(EpochMilliseconds).ok_or_else(|| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(Number::from(self.0))
    }
}

/// NerdGraph's `EpochSeconds`: a point in time as whole seconds since the Unix epoch, sent as an
/// unquoted JSON integer (client-go decodes it as a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EpochSeconds(pub i64);

impl From<DateTime<Utc>> for EpochSeconds {
    fn from(time: DateTime<Utc>) -> Self {
        EpochSeconds(time.timestamp())
    }
}

/// The Unix epoch in seconds.
#[Scalar(name = "EpochSeconds")]
impl ScalarType for EpochSeconds {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n.as_i64().map(EpochSeconds).ok_or_else(|| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_values_are_redacted_in_debug() {
        assert_eq!(format!("{:?}", SecureValue("hunter2".into())), "SecureValue(***)");
    }

    #[test]
    fn epoch_milliseconds_are_unquoted_integers() {
        let time = DateTime::from_timestamp_millis(1_700_000_000_123).expect("valid time");
        let value = EpochMilliseconds::from(time).to_value();
        assert_eq!(value, Value::Number(Number::from(1_700_000_000_123_i64)));
        assert_eq!(EpochMilliseconds::parse(value).ok(), Some(EpochMilliseconds(1_700_000_000_123)));
        assert!(EpochMilliseconds::parse(Value::String("1".into())).is_err());
    }

    #[test]
    fn epoch_seconds_are_unquoted_integers() {
        let time = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
        let value = EpochSeconds::from(time).to_value();
        assert_eq!(value.into_json().ok(), Some(serde_json::json!(1_700_000_000)));
        assert_eq!(EpochSeconds::parse(Value::Number(5.into())).ok(), Some(EpochSeconds(5)));
        assert!(EpochSeconds::parse(Value::String("5".into())).is_err());
    }
}
