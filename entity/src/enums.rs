//! The enumerated text columns, stored as their upper-case names.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $(#[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// The stored text of this value.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value,)+ }
            }
        }
    };
}

text_enum!(
    /// The organization's edition, which decides the account, group, role and grant limits.
    Edition { Standard = "STANDARD", Pro = "PRO", Enterprise = "ENTERPRISE" }
);
text_enum!(
    /// What a user may be given at most, and a billing factor.
    UserType { Basic = "BASIC", Core = "CORE", Full = "FULL" }
);
text_enum!(AuthenticationType { Password = "PASSWORD", Saml = "SAML" });
text_enum!(ProvisioningType { Manual = "MANUAL", Scim = "SCIM" });
text_enum!(
    /// Whether a role (or capability) applies to one account or to the whole organization.
    Scope { Account = "ACCOUNT", Organization = "ORGANIZATION" }
);
text_enum!(RoleType { Standard = "STANDARD", Custom = "CUSTOM" });
text_enum!(AccountStatus { Active = "ACTIVE", Canceled = "CANCELED" });
text_enum!(CapabilityCategory {
    Read = "READ",
    View = "VIEW",
    Modify = "MODIFY",
    Delete = "DELETE",
    Manage = "MANAGE",
    Other = "OTHER",
});
text_enum!(EmailVerificationState {
    Pending = "PENDING",
    Verified = "VERIFIED",
    NotVerifiable = "NOT_VERIFIABLE",
});
text_enum!(KeyType { User = "USER", Ingest = "INGEST" });
text_enum!(IngestType { License = "LICENSE", Browser = "BROWSER" });
text_enum!(
    /// The seven kinds of Synthetics monitor.
    MonitorKind {
        Simple = "SIMPLE",
        Browser = "BROWSER",
        ScriptApi = "SCRIPT_API",
        ScriptBrowser = "SCRIPT_BROWSER",
        StepMonitor = "STEP_MONITOR",
        BrokenLinks = "BROKEN_LINKS",
        CertCheck = "CERT_CHECK",
    }
);
text_enum!(MonitorStatus { Enabled = "ENABLED", Disabled = "DISABLED", Muted = "MUTED" });
text_enum!(
    /// What a Synthetics permission rule governs.
    SyntheticsEntityKind { Monitor = "MONITOR", PrivateLocation = "PRIVATE_LOCATION" }
);
text_enum!(
    /// An original (v1) user model base role on an account.
    OriginalBaseRole { Owner = "OWNER", Admin = "ADMIN", User = "USER", Restricted = "RESTRICTED" }
);
text_enum!(
    /// The product of an original-model add-on manager role.
    OriginalProduct {
        Alerts = "ALERTS",
        Apm = "APM",
        Browser = "BROWSER",
        Infrastructure = "INFRASTRUCTURE",
        Insights = "INSIGHTS",
        Mobile = "MOBILE",
        Synthetics = "SYNTHETICS",
        Workloads = "WORKLOADS",
        Nerdpack = "NERDPACK",
    }
);
