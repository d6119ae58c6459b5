//! The monitor types the mutations answer with, exactly as NerdGraph has them, each built from a
//! stored [`Monitor`]. They carry the monitor's settings: only the editor who just changed the
//! monitor sees them.

use async_graphql::{ID, SimpleObject};

use super::enums::{
    SyntheticsBrowser, SyntheticsDevice, SyntheticsDeviceOrientation, SyntheticsDeviceType, SyntheticsMonitorPeriod,
    SyntheticsMonitorStatus, SyntheticsStepType, from_name,
};
use crate::domain::synthetics::monitors::{AdvancedOptions, CustomHeader, DeviceEmulation, Monitor, Runtime, Step};
use crate::graphql::synthetics::{EntityGuid, EpochMilliseconds, SemVer};

#[derive(SimpleObject)]
pub struct SyntheticsLocations {
    pub private: Option<Vec<Option<String>>>,
    pub public: Option<Vec<Option<String>>>,
}

impl SyntheticsLocations {
    pub fn of(monitor: &Monitor) -> Self {
        let some = |list: &[String]| Some(list.iter().cloned().map(Some).collect());
        SyntheticsLocations { private: some(&monitor.private_locations), public: some(&monitor.public_locations) }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsRuntime {
    pub runtime_type: Option<String>,
    pub runtime_type_version: SemVer,
    pub script_language: Option<String>,
}

impl From<&Runtime> for SyntheticsRuntime {
    fn from(runtime: &Runtime) -> Self {
        SyntheticsRuntime {
            runtime_type: Some(runtime.runtime_type.clone()),
            runtime_type_version: SemVer(runtime.runtime_type_version.clone()),
            script_language: runtime.script_language.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsExtendedTypeMonitorRuntime {
    pub runtime_type: Option<String>,
    pub runtime_type_version: Option<SemVer>,
}

impl From<&Runtime> for SyntheticsExtendedTypeMonitorRuntime {
    fn from(runtime: &Runtime) -> Self {
        SyntheticsExtendedTypeMonitorRuntime {
            runtime_type: Some(runtime.runtime_type.clone()),
            runtime_type_version: Some(SemVer(runtime.runtime_type_version.clone())),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsCustomHeader {
    pub name: String,
    pub value: String,
}

#[derive(SimpleObject)]
pub struct SyntheticsDeviceEmulation {
    pub device_orientation: SyntheticsDeviceOrientation,
    pub device_type: SyntheticsDeviceType,
}

#[derive(SimpleObject)]
pub struct SyntheticsSimpleMonitorAdvancedOptions {
    pub custom_headers: Option<Vec<Option<SyntheticsCustomHeader>>>,
    pub redirect_is_failure: Option<bool>,
    pub response_validation_text: Option<String>,
    pub should_bypass_head_request: Option<bool>,
    pub use_tls_validation: Option<bool>,
}

#[derive(SimpleObject)]
pub struct SyntheticsSimpleBrowserMonitorAdvancedOptions {
    pub custom_headers: Option<Vec<Option<SyntheticsCustomHeader>>>,
    pub device_emulation: Option<SyntheticsDeviceEmulation>,
    pub enable_screenshot_on_failure_and_script: Option<bool>,
    pub response_validation_text: Option<String>,
    pub use_tls_validation: Option<bool>,
}

#[derive(SimpleObject)]
pub struct SyntheticsScriptBrowserMonitorAdvancedOptions {
    pub device_emulation: Option<SyntheticsDeviceEmulation>,
    pub enable_screenshot_on_failure_and_script: Option<bool>,
}

#[derive(SimpleObject)]
pub struct SyntheticsStepMonitorAdvancedOptions {
    pub enable_screenshot_on_failure_and_script: Option<bool>,
}

#[derive(SimpleObject)]
pub struct SyntheticsStep {
    pub ordinal: i32,
    pub r#type: SyntheticsStepType,
    pub values: Option<Vec<String>>,
}

impl SyntheticsStep {
    /// The step as NerdGraph shows it; `None` for a stored type NerdGraph does not know.
    pub fn of(step: &Step) -> Option<Self> {
        Some(SyntheticsStep {
            ordinal: step.ordinal,
            r#type: from_name(&step.step_type)?,
            values: Some(step.values.clone()),
        })
    }
}

fn custom_headers(headers: Option<&Vec<CustomHeader>>) -> Option<Vec<Option<SyntheticsCustomHeader>>> {
    headers.map(|hs| {
        hs.iter().map(|h| Some(SyntheticsCustomHeader { name: h.name.clone(), value: h.value.clone() })).collect()
    })
}

fn device_emulation(emulation: Option<&DeviceEmulation>) -> Option<SyntheticsDeviceEmulation> {
    let emulation = emulation?;
    Some(SyntheticsDeviceEmulation {
        device_orientation: from_name(&emulation.device_orientation)?,
        device_type: from_name(&emulation.device_type)?,
    })
}

/// A stored list of enum names as a NerdGraph list (names it does not know are left out).
fn enum_list<T: async_graphql::InputType>(names: Option<&Vec<String>>) -> Option<Vec<Option<T>>> {
    names.map(|names| names.iter().filter_map(|n| from_name(n)).map(Some).collect())
}

/// The fields every monitor type has.
struct Common {
    created_at: Option<EpochMilliseconds>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    status: Option<SyntheticsMonitorStatus>,
}

impl Common {
    fn of(m: &Monitor) -> Self {
        Common {
            created_at: Some(m.created_at.into()),
            guid: Some(EntityGuid(m.guid.clone())),
            id: Some(ID(m.id.clone())),
            locations: Some(SyntheticsLocations::of(m)),
            modified_at: Some(m.updated_at.into()),
            name: Some(m.name.clone()),
            period: from_name(&m.period),
            status: Some(m.status.into()),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsSimpleMonitor {
    advanced_options: Option<SyntheticsSimpleMonitorAdvancedOptions>,
    created_at: Option<EpochMilliseconds>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    status: Option<SyntheticsMonitorStatus>,
    uri: Option<String>,
}

impl From<&Monitor> for SyntheticsSimpleMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        let o: &AdvancedOptions = &m.settings.advanced_options;
        SyntheticsSimpleMonitor {
            advanced_options: Some(SyntheticsSimpleMonitorAdvancedOptions {
                custom_headers: custom_headers(o.custom_headers.as_ref()),
                redirect_is_failure: o.redirect_is_failure,
                response_validation_text: o.response_validation_text.clone(),
                should_bypass_head_request: o.should_bypass_head_request,
                use_tls_validation: o.use_tls_validation,
            }),
            created_at: c.created_at,
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            period: c.period,
            status: c.status,
            uri: m.uri.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsSimpleBrowserMonitor {
    advanced_options: Option<SyntheticsSimpleBrowserMonitorAdvancedOptions>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    created_at: Option<EpochMilliseconds>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsRuntime>,
    status: Option<SyntheticsMonitorStatus>,
    uri: Option<String>,
}

/// Also the answer of `syntheticsCreateSimpleMonitor` (NerdGraph's result type for it is the
/// simple browser one), so it shows a simple monitor's options too.
impl From<&Monitor> for SyntheticsSimpleBrowserMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        let o = &m.settings.advanced_options;
        SyntheticsSimpleBrowserMonitor {
            advanced_options: Some(SyntheticsSimpleBrowserMonitorAdvancedOptions {
                custom_headers: custom_headers(o.custom_headers.as_ref()),
                device_emulation: device_emulation(o.device_emulation.as_ref()),
                enable_screenshot_on_failure_and_script: o.enable_screenshot_on_failure_and_script,
                response_validation_text: o.response_validation_text.clone(),
                use_tls_validation: o.use_tls_validation,
            }),
            browsers: enum_list(m.settings.browsers.as_ref()),
            created_at: c.created_at,
            devices: enum_list(m.settings.devices.as_ref()),
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            period: c.period,
            runtime: m.runtime.as_ref().map(Into::into),
            status: c.status,
            uri: m.uri.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsScriptApiMonitor {
    created_at: Option<EpochMilliseconds>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsRuntime>,
    status: Option<SyntheticsMonitorStatus>,
}

impl From<&Monitor> for SyntheticsScriptApiMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        SyntheticsScriptApiMonitor {
            created_at: c.created_at,
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            period: c.period,
            runtime: m.runtime.as_ref().map(Into::into),
            status: c.status,
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsScriptBrowserMonitor {
    advanced_options: Option<SyntheticsScriptBrowserMonitorAdvancedOptions>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    created_at: Option<EpochMilliseconds>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsRuntime>,
    status: Option<SyntheticsMonitorStatus>,
}

impl From<&Monitor> for SyntheticsScriptBrowserMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        let o = &m.settings.advanced_options;
        SyntheticsScriptBrowserMonitor {
            advanced_options: Some(SyntheticsScriptBrowserMonitorAdvancedOptions {
                device_emulation: device_emulation(o.device_emulation.as_ref()),
                enable_screenshot_on_failure_and_script: o.enable_screenshot_on_failure_and_script,
            }),
            browsers: enum_list(m.settings.browsers.as_ref()),
            created_at: c.created_at,
            devices: enum_list(m.settings.devices.as_ref()),
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            period: c.period,
            runtime: m.runtime.as_ref().map(Into::into),
            status: c.status,
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsStepMonitor {
    advanced_options: Option<SyntheticsStepMonitorAdvancedOptions>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    created_at: Option<EpochMilliseconds>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntime>,
    status: Option<SyntheticsMonitorStatus>,
    steps: Option<Vec<Option<SyntheticsStep>>>,
}

impl From<&Monitor> for SyntheticsStepMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        SyntheticsStepMonitor {
            advanced_options: Some(SyntheticsStepMonitorAdvancedOptions {
                enable_screenshot_on_failure_and_script: m
                    .settings
                    .advanced_options
                    .enable_screenshot_on_failure_and_script,
            }),
            browsers: enum_list(m.settings.browsers.as_ref()),
            created_at: c.created_at,
            devices: enum_list(m.settings.devices.as_ref()),
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            period: c.period,
            runtime: m.runtime.as_ref().map(Into::into),
            status: c.status,
            steps: m.steps.as_ref().map(|steps| steps.iter().map(SyntheticsStep::of).collect()),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsBrokenLinksMonitor {
    created_at: Option<EpochMilliseconds>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntime>,
    status: Option<SyntheticsMonitorStatus>,
    uri: Option<String>,
}

impl From<&Monitor> for SyntheticsBrokenLinksMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        SyntheticsBrokenLinksMonitor {
            created_at: c.created_at,
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            period: c.period,
            runtime: m.runtime.as_ref().map(Into::into),
            status: c.status,
            uri: m.uri.clone(),
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsCertCheckMonitor {
    created_at: Option<EpochMilliseconds>,
    domain: Option<String>,
    guid: Option<EntityGuid>,
    id: Option<ID>,
    locations: Option<SyntheticsLocations>,
    modified_at: Option<EpochMilliseconds>,
    name: Option<String>,
    number_days_to_fail_before_cert_expires: Option<i32>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntime>,
    status: Option<SyntheticsMonitorStatus>,
}

impl From<&Monitor> for SyntheticsCertCheckMonitor {
    fn from(m: &Monitor) -> Self {
        let c = Common::of(m);
        SyntheticsCertCheckMonitor {
            created_at: c.created_at,
            domain: m.settings.domain.clone(),
            guid: c.guid,
            id: c.id,
            locations: c.locations,
            modified_at: c.modified_at,
            name: c.name,
            number_days_to_fail_before_cert_expires: m.settings.number_days_to_fail_before_cert_expires,
            period: c.period,
            runtime: m.runtime.as_ref().map(Into::into),
            status: c.status,
        }
    }
}
