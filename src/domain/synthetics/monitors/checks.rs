//! NerdGraph's input rules for a monitor, checked on the monitor as it would be stored (so a
//! create and an update are held to the same rules). Each check returns a `BadInput` error that
//! names the field; nothing is written when one fails.

use crate::domain::validate::echo;
use std::collections::BTreeSet;

use super::{Monitor, MonitorKind, Runtime, Step, Tag};
use crate::error::{AppError, AppResult};

/// `SyntheticsMonitorPeriod`.
pub const PERIODS: &[&str] = &[
    "EVERY_MINUTE",
    "EVERY_5_MINUTES",
    "EVERY_10_MINUTES",
    "EVERY_15_MINUTES",
    "EVERY_30_MINUTES",
    "EVERY_HOUR",
    "EVERY_6_HOURS",
    "EVERY_12_HOURS",
    "EVERY_DAY",
];

/// The public locations monitors run from, by NerdGraph's identifier. The older `AWS_`-prefixed
/// form (`AWS_US_WEST_2`) names the same location and is accepted too.
pub const PUBLIC_LOCATIONS: &[&str] = &[
    "AF_SOUTH_1",
    "AP_EAST_1",
    "AP_NORTHEAST_1",
    "AP_NORTHEAST_2",
    "AP_SOUTH_1",
    "AP_SOUTHEAST_1",
    "AP_SOUTHEAST_2",
    "CA_CENTRAL_1",
    "EU_CENTRAL_1",
    "EU_NORTH_1",
    "EU_SOUTH_1",
    "EU_WEST_1",
    "EU_WEST_2",
    "EU_WEST_3",
    "ME_SOUTH_1",
    "SA_EAST_1",
    "US_EAST_1",
    "US_EAST_2",
    "US_WEST_1",
    "US_WEST_2",
];

/// `SyntheticsBrowser`, `SyntheticsDevice`, `SyntheticsDeviceOrientation`, `SyntheticsDeviceType`
/// and `SyntheticsStepType`.
const BROWSERS: &[&str] = &["CHROME", "EDGE", "FIREFOX", "NONE"];
const DEVICES: &[&str] =
    &["DESKTOP", "MOBILE_LANDSCAPE", "MOBILE_PORTRAIT", "NONE", "TABLET_LANDSCAPE", "TABLET_PORTRAIT"];
const DEVICE_ORIENTATIONS: &[&str] = &["LANDSCAPE", "NONE", "PORTRAIT"];
const DEVICE_TYPES: &[&str] = &["MOBILE", "NONE", "TABLET"];
const STEP_TYPES: &[&str] = &[
    "ASSERT_ELEMENT",
    "ASSERT_MODAL",
    "ASSERT_TEXT",
    "ASSERT_TITLE",
    "CLICK_ELEMENT",
    "DISMISS_MODAL",
    "DOUBLE_CLICK_ELEMENT",
    "HOVER_ELEMENT",
    "NAVIGATE",
    "SECURE_TEXT_ENTRY",
    "SELECT_ELEMENT",
    "TEXT_ENTRY",
];

/// Longest URI, script and step value accepted.
const MAX_URI: usize = 2048;
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024;
const MAX_STEP_VALUE: usize = 2048;
/// Step ordinals run from 0 (Terraform's examples start there) to 100 (NerdGraph's limit).
const MAX_STEPS: usize = 100;
const MAX_ORDINAL: i32 = 100;
/// Tag limits, as for New Relic entity tags.
const MAX_TAG_KEY: usize = 128;
const MAX_TAG_VALUE: usize = 256;
/// Certificate check monitors fail between 1 day and a year before the certificate expires.
const CERT_DAYS: std::ops::RangeInclusive<i32> = 1..=365;
/// Apdex targets are seconds, above 0 and at most 100.
const MAX_APDEX_TARGET: f64 = 100.0;

/// Every rule for a monitor of its kind.
pub fn monitor(m: &Monitor) -> AppResult<()> {
    if m.name.is_empty() {
        return Err(AppError::bad_input("Name can't be blank"));
    }
    one_of("Period", &m.period, PERIODS)?;
    locations(m)?;
    uri(m)?;
    script(m)?;
    steps(m)?;
    runtime(m.kind, m.runtime.as_ref())?;
    tags(&m.tags)?;
    settings(m)
}

/// Scripted monitors run a script, which verified script execution signs.
pub fn is_scripted(kind: MonitorKind) -> bool {
    matches!(kind, MonitorKind::ScriptApi | MonitorKind::ScriptBrowser)
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> AppResult<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!(
            "{field} '{}' is not valid: it must be one of {}",
            echo(value),
            allowed.join(", ")
        )))
    }
}

/// At least one location, and known public locations.
fn locations(m: &Monitor) -> AppResult<()> {
    if m.public_locations.is_empty() && m.private_locations.is_empty() {
        return Err(AppError::bad_input("A monitor needs at least one public or private location"));
    }
    for code in &m.public_locations {
        let bare = code.strip_prefix("AWS_").unwrap_or(code);
        if !PUBLIC_LOCATIONS.contains(&bare) {
            return Err(AppError::bad_input(format!("Public location '{}' is not valid", echo(code))));
        }
    }
    Ok(())
}

/// Simple, simple browser and broken links monitors need an http(s) URI.
fn uri(m: &Monitor) -> AppResult<()> {
    if !matches!(m.kind, MonitorKind::Simple | MonitorKind::Browser | MonitorKind::BrokenLinks) {
        return Ok(());
    }
    match m.uri.as_deref() {
        None | Some("") => Err(AppError::bad_input("Uri can't be blank")),
        Some(uri) if !is_http_url(uri) => {
            Err(AppError::bad_input(format!("Uri '{}' is not valid: it must be an http or https URL", echo(uri))))
        }
        Some(_) => Ok(()),
    }
}

/// An absolute `http://` or `https://` URL with a host, no white space, at most [`MAX_URI`] long.
pub fn is_http_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    text.len() <= MAX_URI
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && !authority.is_empty()
        && authority.chars().all(|c| c.is_ascii_alphanumeric() || ".-_:[]@%".contains(c))
}

/// Scripted monitors need a script.
fn script(m: &Monitor) -> AppResult<()> {
    if !is_scripted(m.kind) {
        return Ok(());
    }
    match m.script.as_deref() {
        None => Err(AppError::bad_input("Script can't be blank")),
        Some(text) if text.trim().is_empty() => Err(AppError::bad_input("Script can't be blank")),
        Some(text) if text.len() > MAX_SCRIPT_BYTES => {
            Err(AppError::bad_input(format!("Script is too long (maximum is {MAX_SCRIPT_BYTES} bytes)")))
        }
        Some(_) => Ok(()),
    }
}

/// Step monitors need 1 to 100 steps with distinct ordinals; a NAVIGATE step goes to a URL.
fn steps(m: &Monitor) -> AppResult<()> {
    if m.kind != MonitorKind::StepMonitor {
        return Ok(());
    }
    let steps = m.steps.as_deref().unwrap_or_default();
    if steps.is_empty() {
        return Err(AppError::bad_input("A step monitor needs at least one step"));
    }
    if steps.len() > MAX_STEPS {
        return Err(AppError::bad_input(format!("A step monitor has at most {MAX_STEPS} steps")));
    }
    let mut ordinals = BTreeSet::new();
    for step in steps {
        one_step(step)?;
        if !ordinals.insert(step.ordinal) {
            return Err(AppError::bad_input(format!("Step ordinal {} is used twice", step.ordinal)));
        }
    }
    Ok(())
}

fn one_step(step: &Step) -> AppResult<()> {
    if !(0..=MAX_ORDINAL).contains(&step.ordinal) {
        return Err(AppError::bad_input(format!("Step ordinal {} is not between 0 and {MAX_ORDINAL}", step.ordinal)));
    }
    one_of("Step type", &step.step_type, STEP_TYPES)?;
    if step.values.iter().any(|v| v.len() > MAX_STEP_VALUE) {
        return Err(AppError::bad_input(format!(
            "Step {} has a value longer than {MAX_STEP_VALUE} characters",
            step.ordinal
        )));
    }
    if step.step_type == "NAVIGATE" && !step.values.first().is_some_and(|url| is_http_url(url)) {
        return Err(AppError::bad_input(format!(
            "Step {} (NAVIGATE) needs an http or https URL as its first value",
            step.ordinal
        )));
    }
    Ok(())
}

/// The runtime type each kind runs on; simple monitors have none.
fn runtime_type(kind: MonitorKind) -> Option<&'static str> {
    match kind {
        MonitorKind::Simple => None,
        MonitorKind::Browser | MonitorKind::ScriptBrowser | MonitorKind::StepMonitor => Some("CHROME_BROWSER"),
        MonitorKind::ScriptApi | MonitorKind::BrokenLinks | MonitorKind::CertCheck => Some("NODE_API"),
    }
}

/// The runtime, when there is one, fits the kind: its type, a version such as `100` or
/// `16.10`, and `JAVASCRIPT` as the script language if one is named.
fn runtime(kind: MonitorKind, runtime: Option<&Runtime>) -> AppResult<()> {
    let Some(runtime) = runtime else { return Ok(()) };
    let Some(expected) = runtime_type(kind) else {
        return Err(AppError::bad_input(format!("A {} monitor has no runtime", kind.as_str())));
    };
    if runtime.runtime_type != expected {
        return Err(AppError::bad_input(format!(
            "Runtime type '{}' is not valid for a {} monitor: it must be {expected}",
            echo(&runtime.runtime_type),
            kind.as_str()
        )));
    }
    let version = &runtime.runtime_type_version;
    let valid_version = !version.is_empty()
        && version.len() <= 16
        && version.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    if !valid_version {
        return Err(AppError::bad_input(format!("Runtime type version '{}' is not valid", echo(version))));
    }
    match runtime.script_language.as_deref() {
        None | Some("JAVASCRIPT") => Ok(()),
        Some(other) => {
            Err(AppError::bad_input(format!("Script language '{}' is not valid: it must be JAVASCRIPT", echo(other))))
        }
    }
}

fn tags(tags: &[Tag]) -> AppResult<()> {
    for tag in tags {
        if tag.key.trim().is_empty() {
            return Err(AppError::bad_input("Tag keys can't be blank"));
        }
        if tag.key.chars().count() > MAX_TAG_KEY {
            return Err(AppError::bad_input(format!(
                "Tag key '{}' is longer than {MAX_TAG_KEY} characters",
                echo(&tag.key)
            )));
        }
        if tag.values.iter().any(|v| v.chars().count() > MAX_TAG_VALUE) {
            return Err(AppError::bad_input(format!(
                "A value of tag '{}' is longer than {MAX_TAG_VALUE} characters",
                echo(&tag.key)
            )));
        }
    }
    Ok(())
}

/// The kind-specific settings: certificate check fields, apdex target, browsers, devices and
/// advanced options.
fn settings(m: &Monitor) -> AppResult<()> {
    let s = &m.settings;
    if m.kind == MonitorKind::CertCheck {
        match s.domain.as_deref() {
            None | Some("") => return Err(AppError::bad_input("Domain can't be blank")),
            Some(domain) if !is_host_name(domain) => {
                return Err(AppError::bad_input(format!("Domain '{}' is not a valid host name", echo(domain))));
            }
            Some(_) => {}
        }
        let days = s.number_days_to_fail_before_cert_expires.unwrap_or(0);
        if !CERT_DAYS.contains(&days) {
            return Err(AppError::bad_input(format!(
                "numberDaysToFailBeforeCertExpires must be between {} and {}",
                CERT_DAYS.start(),
                CERT_DAYS.end()
            )));
        }
    }
    if let Some(target) = s.apdex_target
        && !(target > 0.0 && target <= MAX_APDEX_TARGET)
    {
        return Err(AppError::bad_input(format!("Apdex target must be above 0 and at most {MAX_APDEX_TARGET}")));
    }
    for browser in s.browsers.iter().flatten() {
        one_of("Browser", browser, BROWSERS)?;
    }
    for device in s.devices.iter().flatten() {
        one_of("Device", device, DEVICES)?;
    }
    let options = &s.advanced_options;
    if let Some(emulation) = &options.device_emulation {
        one_of("Device orientation", &emulation.device_orientation, DEVICE_ORIENTATIONS)?;
        one_of("Device type", &emulation.device_type, DEVICE_TYPES)?;
    }
    if options.custom_headers.iter().flatten().any(|h| h.name.trim().is_empty()) {
        return Err(AppError::bad_input("Custom header names can't be blank"));
    }
    Ok(())
}

/// A DNS host name: dot-separated labels of letters, digits and inner hyphens.
fn is_host_name(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        for good in ["https://example.com", "http://example.com:8080/path?q=1", "HTTPS://Example.com/#x"] {
            assert!(is_http_url(good), "{good}");
        }
        for bad in ["", "example.com", "ftp://example.com", "https://", "https:///path", "https://exa mple.com"] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn host_names_have_labels() {
        assert!(is_host_name("www.example.com"));
        assert!(is_host_name("localhost"));
        for bad in ["", "https://example.com", "-a.example.com", "a..b", "a b.com"] {
            assert!(!is_host_name(bad), "{bad}");
        }
    }

    #[test]
    fn runtimes_fit_their_kind() {
        let chrome = Runtime {
            runtime_type: "CHROME_BROWSER".into(),
            runtime_type_version: "100".into(),
            script_language: Some("JAVASCRIPT".into()),
        };
        let node =
            Runtime { runtime_type: "NODE_API".into(), runtime_type_version: "16.10".into(), script_language: None };
        assert!(runtime(MonitorKind::ScriptBrowser, Some(&chrome)).is_ok());
        assert!(runtime(MonitorKind::CertCheck, Some(&node)).is_ok());
        assert!(runtime(MonitorKind::ScriptApi, Some(&chrome)).is_err());
        assert!(runtime(MonitorKind::Simple, Some(&node)).is_err());
        assert!(runtime(MonitorKind::Simple, None).is_ok());
        let bad_version = Runtime { runtime_type_version: "16.x".into(), ..node.clone() };
        assert!(runtime(MonitorKind::ScriptApi, Some(&bad_version)).is_err());
        let python = Runtime { script_language: Some("PYTHON".into()), ..node };
        assert!(runtime(MonitorKind::ScriptApi, Some(&python)).is_err());
    }

    #[test]
    fn steps_need_distinct_ordinals_and_navigate_urls() {
        let step = |ordinal: i32, step_type: &str, values: &[&str]| Step {
            ordinal,
            step_type: step_type.into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        };
        assert!(one_step(&step(0, "NAVIGATE", &["https://example.com"])).is_ok());
        assert!(one_step(&step(1, "NAVIGATE", &["example.com"])).is_err());
        assert!(one_step(&step(101, "CLICK_ELEMENT", &["#id"])).is_err());
        assert!(one_step(&step(1, "JUMP", &[])).is_err());
    }
}
