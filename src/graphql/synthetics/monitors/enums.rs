//! NerdGraph's Synthetics monitor enums. The domain stores their GraphQL names as text, so each
//! converts to and from its name through [`name_of`] and [`from_name`].

use async_graphql::{Enum, InputType, Name, Value};
use entity::enums::{MonitorKind, MonitorStatus};

/// The GraphQL name of an enum value, e.g. `EVERY_5_MINUTES`.
pub fn name_of<T: InputType>(value: &T) -> String {
    match value.to_value() {
        Value::Enum(name) => name.to_string(),
        other => other.to_string(),
    }
}

/// The enum value with the GraphQL name `name`, if there is one.
pub fn from_name<T: InputType>(name: &str) -> Option<T> {
    T::parse(Some(Value::Enum(Name::new(name)))).ok()
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsMonitorPeriod {
    #[graphql(name = "EVERY_10_MINUTES")]
    Every10Minutes,
    #[graphql(name = "EVERY_12_HOURS")]
    Every12Hours,
    #[graphql(name = "EVERY_15_MINUTES")]
    Every15Minutes,
    #[graphql(name = "EVERY_30_MINUTES")]
    Every30Minutes,
    #[graphql(name = "EVERY_5_MINUTES")]
    Every5Minutes,
    #[graphql(name = "EVERY_6_HOURS")]
    Every6Hours,
    EveryDay,
    EveryHour,
    EveryMinute,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsMonitorStatus {
    Disabled,
    Enabled,
    Muted,
}

impl From<SyntheticsMonitorStatus> for MonitorStatus {
    fn from(status: SyntheticsMonitorStatus) -> Self {
        match status {
            SyntheticsMonitorStatus::Disabled => MonitorStatus::Disabled,
            SyntheticsMonitorStatus::Enabled => MonitorStatus::Enabled,
            SyntheticsMonitorStatus::Muted => MonitorStatus::Muted,
        }
    }
}

impl From<MonitorStatus> for SyntheticsMonitorStatus {
    fn from(status: MonitorStatus) -> Self {
        match status {
            MonitorStatus::Disabled => SyntheticsMonitorStatus::Disabled,
            MonitorStatus::Enabled => SyntheticsMonitorStatus::Enabled,
            MonitorStatus::Muted => SyntheticsMonitorStatus::Muted,
        }
    }
}

/// The kind of a monitor, as NerdGraph's entity API names it (not in the IAM subset: AccessGraph's
/// own reads use it).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsMonitorType {
    BrokenLinks,
    Browser,
    CertCheck,
    ScriptApi,
    ScriptBrowser,
    Simple,
    StepMonitor,
}

impl From<MonitorKind> for SyntheticsMonitorType {
    fn from(kind: MonitorKind) -> Self {
        match kind {
            MonitorKind::Simple => SyntheticsMonitorType::Simple,
            MonitorKind::Browser => SyntheticsMonitorType::Browser,
            MonitorKind::ScriptApi => SyntheticsMonitorType::ScriptApi,
            MonitorKind::ScriptBrowser => SyntheticsMonitorType::ScriptBrowser,
            MonitorKind::StepMonitor => SyntheticsMonitorType::StepMonitor,
            MonitorKind::BrokenLinks => SyntheticsMonitorType::BrokenLinks,
            MonitorKind::CertCheck => SyntheticsMonitorType::CertCheck,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsBrowser {
    Chrome,
    Edge,
    Firefox,
    None,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsDevice {
    Desktop,
    MobileLandscape,
    MobilePortrait,
    None,
    TabletLandscape,
    TabletPortrait,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsDeviceOrientation {
    Landscape,
    None,
    Portrait,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsDeviceType {
    Mobile,
    None,
    Tablet,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsStepType {
    AssertElement,
    AssertModal,
    AssertText,
    AssertTitle,
    ClickElement,
    DismissModal,
    DoubleClickElement,
    HoverElement,
    Navigate,
    SecureTextEntry,
    SelectElement,
    TextEntry,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsMonitorCreateErrorType {
    BadRequest,
    InternalServerError,
    NotFound,
    PaymentRequired,
    TaggingError,
    Unauthorized,
    UnknownError,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsMonitorUpdateErrorType {
    BadRequest,
    InternalServerError,
    NotFound,
    PaymentRequired,
    ScriptError,
    TaggingError,
    Unauthorized,
    UnknownError,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::synthetics::monitors::PERIODS;

    #[test]
    fn periods_round_trip_through_their_names() {
        for period in PERIODS {
            let value: SyntheticsMonitorPeriod = from_name(period).expect("a SyntheticsMonitorPeriod");
            assert_eq!(name_of(&value), *period);
        }
        assert_eq!(from_name::<SyntheticsMonitorPeriod>("EVERY_2_MINUTES"), None);
        assert_eq!(name_of(&SyntheticsStepType::DoubleClickElement), "DOUBLE_CLICK_ELEMENT");
    }
}
