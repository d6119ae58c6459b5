//! The `monitor` inputs of the create and update mutations, exactly as NerdGraph has them, and
//! their conversion into the domain's [`MonitorChanges`]. A create input fills every field it
//! requires; an update input fills what it was given.
//!
//! Nullable list elements (`[String]`, `[SyntheticsTag]`) are dropped when null: Go clients send
//! them only for unset values.

use async_graphql::{ID, InputObject};

use super::enums::{
    SyntheticsBrowser, SyntheticsDevice, SyntheticsDeviceOrientation, SyntheticsDeviceType, SyntheticsMonitorPeriod,
    SyntheticsMonitorStatus, SyntheticsStepType, name_of,
};
use crate::domain::synthetics::monitors::{
    AdvancedOptions, CustomHeader, DeviceEmulation, LocationsInput, MonitorChanges, PrivateLocationInput, Runtime,
    Step, Tag,
};
use crate::graphql::scalars::SecureValue;
use crate::graphql::synthetics::SemVer;

#[derive(InputObject)]
pub struct SyntheticsLocationsInput {
    private: Option<Vec<Option<String>>>,
    public: Option<Vec<Option<String>>>,
}

#[derive(InputObject)]
pub struct SyntheticsScriptedMonitorLocationsInput {
    private: Option<Vec<SyntheticsPrivateLocationInput>>,
    public: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct SyntheticsPrivateLocationInput {
    guid: ID,
    vse_password: Option<SecureValue>,
}

#[derive(InputObject)]
pub struct SyntheticsRuntimeInput {
    runtime_type: String,
    runtime_type_version: SemVer,
    script_language: Option<String>,
}

#[derive(InputObject)]
pub struct SyntheticsExtendedTypeMonitorRuntimeInput {
    runtime_type: String,
    runtime_type_version: SemVer,
}

#[derive(InputObject)]
pub struct SyntheticsTag {
    key: String,
    values: Vec<Option<String>>,
}

#[derive(InputObject)]
pub struct SyntheticsCustomHeaderInput {
    name: String,
    value: String,
}

#[derive(InputObject)]
pub struct SyntheticsDeviceEmulationInput {
    device_orientation: SyntheticsDeviceOrientation,
    device_type: SyntheticsDeviceType,
}

#[derive(InputObject)]
pub struct SyntheticsSimpleMonitorAdvancedOptionsInput {
    custom_headers: Option<Vec<Option<SyntheticsCustomHeaderInput>>>,
    redirect_is_failure: Option<bool>,
    response_validation_text: Option<String>,
    should_bypass_head_request: Option<bool>,
    use_tls_validation: Option<bool>,
}

#[derive(InputObject)]
pub struct SyntheticsSimpleBrowserMonitorAdvancedOptionsInput {
    custom_headers: Option<Vec<Option<SyntheticsCustomHeaderInput>>>,
    device_emulation: Option<SyntheticsDeviceEmulationInput>,
    enable_screenshot_on_failure_and_script: Option<bool>,
    response_validation_text: Option<String>,
    use_tls_validation: Option<bool>,
}

#[derive(InputObject)]
pub struct SyntheticsScriptBrowserMonitorAdvancedOptionsInput {
    device_emulation: Option<SyntheticsDeviceEmulationInput>,
    enable_screenshot_on_failure_and_script: Option<bool>,
}

#[derive(InputObject)]
pub struct SyntheticsStepMonitorAdvancedOptionsInput {
    enable_screenshot_on_failure_and_script: Option<bool>,
}

#[derive(InputObject)]
pub struct SyntheticsStepInput {
    ordinal: i32,
    r#type: SyntheticsStepType,
    values: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateSimpleMonitorInput {
    advanced_options: Option<SyntheticsSimpleMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    locations: SyntheticsLocationsInput,
    name: String,
    period: SyntheticsMonitorPeriod,
    status: SyntheticsMonitorStatus,
    tags: Option<Vec<Option<SyntheticsTag>>>,
    uri: String,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateSimpleMonitorInput {
    advanced_options: Option<SyntheticsSimpleMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    locations: Option<SyntheticsLocationsInput>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    status: Option<SyntheticsMonitorStatus>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
    uri: Option<String>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateSimpleBrowserMonitorInput {
    advanced_options: Option<SyntheticsSimpleBrowserMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    locations: SyntheticsLocationsInput,
    name: String,
    period: SyntheticsMonitorPeriod,
    runtime: Option<SyntheticsRuntimeInput>,
    status: SyntheticsMonitorStatus,
    tags: Option<Vec<Option<SyntheticsTag>>>,
    uri: String,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateSimpleBrowserMonitorInput {
    advanced_options: Option<SyntheticsSimpleBrowserMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    locations: Option<SyntheticsLocationsInput>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsRuntimeInput>,
    status: Option<SyntheticsMonitorStatus>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
    uri: Option<String>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateScriptApiMonitorInput {
    apdex_target: Option<f64>,
    locations: SyntheticsScriptedMonitorLocationsInput,
    name: String,
    period: SyntheticsMonitorPeriod,
    runtime: Option<SyntheticsRuntimeInput>,
    script: String,
    status: SyntheticsMonitorStatus,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateScriptApiMonitorInput {
    apdex_target: Option<f64>,
    locations: Option<SyntheticsScriptedMonitorLocationsInput>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsRuntimeInput>,
    script: Option<String>,
    status: Option<SyntheticsMonitorStatus>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateScriptBrowserMonitorInput {
    advanced_options: Option<SyntheticsScriptBrowserMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    locations: SyntheticsScriptedMonitorLocationsInput,
    name: String,
    period: SyntheticsMonitorPeriod,
    runtime: Option<SyntheticsRuntimeInput>,
    script: String,
    status: SyntheticsMonitorStatus,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateScriptBrowserMonitorInput {
    advanced_options: Option<SyntheticsScriptBrowserMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    locations: Option<SyntheticsScriptedMonitorLocationsInput>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsRuntimeInput>,
    script: Option<String>,
    status: Option<SyntheticsMonitorStatus>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateStepMonitorInput {
    advanced_options: Option<SyntheticsStepMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    locations: SyntheticsScriptedMonitorLocationsInput,
    name: String,
    period: SyntheticsMonitorPeriod,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntimeInput>,
    status: SyntheticsMonitorStatus,
    steps: Vec<SyntheticsStepInput>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateStepMonitorInput {
    advanced_options: Option<SyntheticsStepMonitorAdvancedOptionsInput>,
    apdex_target: Option<f64>,
    browsers: Option<Vec<Option<SyntheticsBrowser>>>,
    devices: Option<Vec<Option<SyntheticsDevice>>>,
    locations: Option<SyntheticsScriptedMonitorLocationsInput>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntimeInput>,
    status: Option<SyntheticsMonitorStatus>,
    steps: Option<Vec<Option<SyntheticsStepInput>>>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateBrokenLinksMonitorInput {
    apdex_target: Option<f64>,
    locations: SyntheticsLocationsInput,
    name: String,
    period: SyntheticsMonitorPeriod,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntimeInput>,
    status: SyntheticsMonitorStatus,
    tags: Option<Vec<Option<SyntheticsTag>>>,
    uri: String,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateBrokenLinksMonitorInput {
    apdex_target: Option<f64>,
    locations: Option<SyntheticsLocationsInput>,
    name: Option<String>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntimeInput>,
    status: Option<SyntheticsMonitorStatus>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
    uri: Option<String>,
}

#[derive(InputObject)]
pub struct SyntheticsCreateCertCheckMonitorInput {
    apdex_target: Option<f64>,
    domain: String,
    locations: SyntheticsLocationsInput,
    name: String,
    number_days_to_fail_before_cert_expires: i32,
    period: SyntheticsMonitorPeriod,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntimeInput>,
    status: SyntheticsMonitorStatus,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

#[derive(InputObject)]
pub struct SyntheticsUpdateCertCheckMonitorInput {
    apdex_target: Option<f64>,
    domain: Option<String>,
    locations: Option<SyntheticsLocationsInput>,
    name: Option<String>,
    number_days_to_fail_before_cert_expires: Option<i32>,
    period: Option<SyntheticsMonitorPeriod>,
    runtime: Option<SyntheticsExtendedTypeMonitorRuntimeInput>,
    status: Option<SyntheticsMonitorStatus>,
    tags: Option<Vec<Option<SyntheticsTag>>>,
}

// ---------------------------------------------------------------------------------------------
// Conversions of the parts shared by several inputs.

/// The values of a list whose elements may be null, without the nulls.
fn present<T>(list: Vec<Option<T>>) -> Vec<T> {
    list.into_iter().flatten().collect()
}

fn period(period: SyntheticsMonitorPeriod) -> String {
    name_of(&period)
}

fn names<T: async_graphql::InputType>(list: Option<Vec<Option<T>>>) -> Option<Vec<String>> {
    list.map(|values| present(values).iter().map(name_of).collect())
}

fn tags(list: Option<Vec<Option<SyntheticsTag>>>) -> Option<Vec<Tag>> {
    list.map(|tags| {
        present(tags).into_iter().map(|t| Tag { key: t.key.trim().to_owned(), values: present(t.values) }).collect()
    })
}

impl From<SyntheticsLocationsInput> for LocationsInput {
    fn from(input: SyntheticsLocationsInput) -> Self {
        LocationsInput {
            public: input.public.map(present),
            private: input.private.map(|guids| {
                present(guids).into_iter().map(|guid| PrivateLocationInput { guid, vse_password: None }).collect()
            }),
        }
    }
}

impl From<SyntheticsScriptedMonitorLocationsInput> for LocationsInput {
    fn from(input: SyntheticsScriptedMonitorLocationsInput) -> Self {
        LocationsInput {
            public: input.public,
            private: input.private.map(|locations| {
                locations
                    .into_iter()
                    .map(|l| PrivateLocationInput { guid: l.guid.0, vse_password: l.vse_password.map(|p| p.0) })
                    .collect()
            }),
        }
    }
}

impl From<SyntheticsRuntimeInput> for Runtime {
    fn from(input: SyntheticsRuntimeInput) -> Self {
        Runtime {
            runtime_type: input.runtime_type,
            runtime_type_version: input.runtime_type_version.0,
            script_language: input.script_language,
        }
    }
}

impl From<SyntheticsExtendedTypeMonitorRuntimeInput> for Runtime {
    fn from(input: SyntheticsExtendedTypeMonitorRuntimeInput) -> Self {
        Runtime {
            runtime_type: input.runtime_type,
            runtime_type_version: input.runtime_type_version.0,
            script_language: None,
        }
    }
}

impl From<SyntheticsStepInput> for Step {
    fn from(input: SyntheticsStepInput) -> Self {
        Step { ordinal: input.ordinal, step_type: name_of(&input.r#type), values: input.values.unwrap_or_default() }
    }
}

fn custom_headers(list: Option<Vec<Option<SyntheticsCustomHeaderInput>>>) -> Option<Vec<CustomHeader>> {
    list.map(|headers| present(headers).into_iter().map(|h| CustomHeader { name: h.name, value: h.value }).collect())
}

fn device_emulation(input: Option<SyntheticsDeviceEmulationInput>) -> Option<DeviceEmulation> {
    input.map(|d| DeviceEmulation {
        device_orientation: name_of(&d.device_orientation),
        device_type: name_of(&d.device_type),
    })
}

impl From<SyntheticsSimpleMonitorAdvancedOptionsInput> for AdvancedOptions {
    fn from(input: SyntheticsSimpleMonitorAdvancedOptionsInput) -> Self {
        AdvancedOptions {
            custom_headers: custom_headers(input.custom_headers),
            redirect_is_failure: input.redirect_is_failure,
            response_validation_text: input.response_validation_text,
            should_bypass_head_request: input.should_bypass_head_request,
            use_tls_validation: input.use_tls_validation,
            ..Default::default()
        }
    }
}

impl From<SyntheticsSimpleBrowserMonitorAdvancedOptionsInput> for AdvancedOptions {
    fn from(input: SyntheticsSimpleBrowserMonitorAdvancedOptionsInput) -> Self {
        AdvancedOptions {
            custom_headers: custom_headers(input.custom_headers),
            device_emulation: device_emulation(input.device_emulation),
            enable_screenshot_on_failure_and_script: input.enable_screenshot_on_failure_and_script,
            response_validation_text: input.response_validation_text,
            use_tls_validation: input.use_tls_validation,
            ..Default::default()
        }
    }
}

impl From<SyntheticsScriptBrowserMonitorAdvancedOptionsInput> for AdvancedOptions {
    fn from(input: SyntheticsScriptBrowserMonitorAdvancedOptionsInput) -> Self {
        AdvancedOptions {
            device_emulation: device_emulation(input.device_emulation),
            enable_screenshot_on_failure_and_script: input.enable_screenshot_on_failure_and_script,
            ..Default::default()
        }
    }
}

impl From<SyntheticsStepMonitorAdvancedOptionsInput> for AdvancedOptions {
    fn from(input: SyntheticsStepMonitorAdvancedOptionsInput) -> Self {
        AdvancedOptions {
            enable_screenshot_on_failure_and_script: input.enable_screenshot_on_failure_and_script,
            ..Default::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Each input as changes.

impl From<SyntheticsCreateSimpleMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateSimpleMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            locations: Some(i.locations.into()),
            name: Some(i.name),
            period: Some(period(i.period)),
            status: Some(i.status.into()),
            tags: tags(i.tags),
            uri: Some(i.uri),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateSimpleMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateSimpleMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            locations: i.locations.map(Into::into),
            name: i.name,
            period: i.period.map(period),
            status: i.status.map(Into::into),
            tags: tags(i.tags),
            uri: i.uri,
            ..Default::default()
        }
    }
}

impl From<SyntheticsCreateSimpleBrowserMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateSimpleBrowserMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            browsers: names(i.browsers),
            devices: names(i.devices),
            locations: Some(i.locations.into()),
            name: Some(i.name),
            period: Some(period(i.period)),
            runtime: i.runtime.map(Into::into),
            status: Some(i.status.into()),
            tags: tags(i.tags),
            uri: Some(i.uri),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateSimpleBrowserMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateSimpleBrowserMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            browsers: names(i.browsers),
            devices: names(i.devices),
            locations: i.locations.map(Into::into),
            name: i.name,
            period: i.period.map(period),
            runtime: i.runtime.map(Into::into),
            status: i.status.map(Into::into),
            tags: tags(i.tags),
            uri: i.uri,
            ..Default::default()
        }
    }
}

impl From<SyntheticsCreateScriptApiMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateScriptApiMonitorInput) -> Self {
        MonitorChanges {
            apdex_target: i.apdex_target,
            locations: Some(i.locations.into()),
            name: Some(i.name),
            period: Some(period(i.period)),
            runtime: i.runtime.map(Into::into),
            script: Some(i.script),
            status: Some(i.status.into()),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateScriptApiMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateScriptApiMonitorInput) -> Self {
        MonitorChanges {
            apdex_target: i.apdex_target,
            locations: i.locations.map(Into::into),
            name: i.name,
            period: i.period.map(period),
            runtime: i.runtime.map(Into::into),
            script: i.script,
            status: i.status.map(Into::into),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsCreateScriptBrowserMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateScriptBrowserMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            browsers: names(i.browsers),
            devices: names(i.devices),
            locations: Some(i.locations.into()),
            name: Some(i.name),
            period: Some(period(i.period)),
            runtime: i.runtime.map(Into::into),
            script: Some(i.script),
            status: Some(i.status.into()),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateScriptBrowserMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateScriptBrowserMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            browsers: names(i.browsers),
            devices: names(i.devices),
            locations: i.locations.map(Into::into),
            name: i.name,
            period: i.period.map(period),
            runtime: i.runtime.map(Into::into),
            script: i.script,
            status: i.status.map(Into::into),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsCreateStepMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateStepMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            browsers: names(i.browsers),
            devices: names(i.devices),
            locations: Some(i.locations.into()),
            name: Some(i.name),
            period: Some(period(i.period)),
            runtime: i.runtime.map(Into::into),
            status: Some(i.status.into()),
            steps: Some(i.steps.into_iter().map(Into::into).collect()),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateStepMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateStepMonitorInput) -> Self {
        MonitorChanges {
            advanced_options: i.advanced_options.map(Into::into),
            apdex_target: i.apdex_target,
            browsers: names(i.browsers),
            devices: names(i.devices),
            locations: i.locations.map(Into::into),
            name: i.name,
            period: i.period.map(period),
            runtime: i.runtime.map(Into::into),
            status: i.status.map(Into::into),
            steps: i.steps.map(|steps| present(steps).into_iter().map(Into::into).collect()),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsCreateBrokenLinksMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateBrokenLinksMonitorInput) -> Self {
        MonitorChanges {
            apdex_target: i.apdex_target,
            locations: Some(i.locations.into()),
            name: Some(i.name),
            period: Some(period(i.period)),
            runtime: i.runtime.map(Into::into),
            status: Some(i.status.into()),
            tags: tags(i.tags),
            uri: Some(i.uri),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateBrokenLinksMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateBrokenLinksMonitorInput) -> Self {
        MonitorChanges {
            apdex_target: i.apdex_target,
            locations: i.locations.map(Into::into),
            name: i.name,
            period: i.period.map(period),
            runtime: i.runtime.map(Into::into),
            status: i.status.map(Into::into),
            tags: tags(i.tags),
            uri: i.uri,
            ..Default::default()
        }
    }
}

impl From<SyntheticsCreateCertCheckMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsCreateCertCheckMonitorInput) -> Self {
        MonitorChanges {
            apdex_target: i.apdex_target,
            domain: Some(i.domain),
            locations: Some(i.locations.into()),
            name: Some(i.name),
            number_days_to_fail_before_cert_expires: Some(i.number_days_to_fail_before_cert_expires),
            period: Some(period(i.period)),
            runtime: i.runtime.map(Into::into),
            status: Some(i.status.into()),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}

impl From<SyntheticsUpdateCertCheckMonitorInput> for MonitorChanges {
    fn from(i: SyntheticsUpdateCertCheckMonitorInput) -> Self {
        MonitorChanges {
            apdex_target: i.apdex_target,
            domain: i.domain,
            locations: i.locations.map(Into::into),
            name: i.name,
            number_days_to_fail_before_cert_expires: i.number_days_to_fail_before_cert_expires,
            period: i.period.map(period),
            runtime: i.runtime.map(Into::into),
            status: i.status.map(Into::into),
            tags: tags(i.tags),
            ..Default::default()
        }
    }
}
