//! NerdGraph's custom scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};

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
    fn epoch_seconds_are_unquoted_integers() {
        let time = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
        let value = EpochSeconds::from(time).to_value();
        assert_eq!(value.into_json().ok(), Some(serde_json::json!(1_700_000_000)));
        assert_eq!(EpochSeconds::parse(Value::Number(5.into())).ok(), Some(EpochSeconds(5)));
        assert!(EpochSeconds::parse(Value::String("5".into())).is_err());
    }
}
