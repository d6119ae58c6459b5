use sea_orm::entity::prelude::*;

use crate::enums::{MonitorKind, MonitorStatus};

/// A Synthetics monitor of an account. `settings` holds the kind-specific options (apdex target,
/// browsers, devices, advanced options, certificate days, ...) as NerdGraph names them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "synthetics_monitors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: i32,
    /// Unpadded base64 of `<accountId>|SYNTH|MONITOR|<id>`.
    pub guid: String,
    pub kind: MonitorKind,
    pub name: String,
    /// A `SyntheticsMonitorPeriod` name, e.g. `EVERY_15_MINUTES`.
    pub period: String,
    pub status: MonitorStatus,
    pub uri: Option<String>,
    /// Scripted monitors only; readable with Edit rights.
    pub script: Option<String>,
    /// Step monitors only: `[{ordinal, type, values}]`.
    pub steps: Option<Json>,
    pub public_locations: Json,
    pub private_locations: Json,
    pub runtime: Option<Json>,
    pub settings: Json,
    pub tags: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
