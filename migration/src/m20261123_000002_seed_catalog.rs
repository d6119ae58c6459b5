//! Seeds the capability catalog and the nine standard roles.
//!
//! The data below is frozen: it describes the catalog as of this migration. A later change to the
//! catalog is a new migration, never an edit here.
//!
//! Each capability has a *tier* that decides which standard roles hold it:
//! - `Read`: Read only, Standard user, All product admin, Billing user (read access to the platform).
//! - `Use`: Standard user and All product admin (use features without configuring them).
//! - `Configure`: All product admin only (configure platform features and account-level settings).
//! - `AdminHidden`: All product admin, hidden (not selectable for custom roles).
//! - `Billing`, `V1Users`: hidden, only in Billing user / Manage v1 users.
//! - `Org*` / `Domain*`: organization-scoped and hidden, only in the organization-scoped roles.
//!
//! So Standard user = All product admin minus the configure capabilities (and its hidden one),
//! and Read only = the read capabilities, which leave out Synthetics secure credentials (`Use`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_seed_catalog"
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    Read,
    Use,
    Configure,
    AdminHidden,
    Billing,
    V1Users,
    OrgRead,
    OrgManage,
    DomainRead,
    DomainManage,
    /// Read by the organization roles and the authentication domain roles alike.
    OrgAndDomainRead,
}

use Tier::*;

struct Cap {
    id: i32,
    name: &'static str,
    feature: &'static str,
    product: &'static str,
    category: &'static str,
    fso: bool,
    tier: Tier,
    description: &'static str,
}

#[expect(clippy::too_many_arguments, reason = "one positional row per capability keeps the table readable")]
const fn cap(
    id: i32,
    product: &'static str,
    feature: &'static str,
    name: &'static str,
    category: &'static str,
    fso: bool,
    tier: Tier,
    description: &'static str,
) -> Cap {
    Cap { id, name, feature, product, category, fso, tier, description }
}

#[rustfmt::skip]
const CATALOG: &[Cap] = &[
    // APM: Full-Stack Observability.
    cap(1001, "APM", "Applications", "Read APM applications", "READ", true, Read, "See APM applications, their transactions and errors."),
    cap(1002, "APM", "Transaction traces", "View APM transaction traces", "VIEW", true, Read, "Open transaction traces and thread profiles."),
    cap(1003, "APM", "Application settings", "Modify APM application settings", "MODIFY", true, Configure, "Change Apdex, naming and agent configuration of APM applications."),
    cap(1004, "APM", "Applications", "Delete APM applications", "DELETE", true, Configure, "Remove APM applications that stopped reporting."),
    cap(1005, "APM", "Key transactions", "Manage APM key transactions", "MANAGE", true, Use, "Create and remove key transactions."),
    cap(1006, "APM", "Deployment markers", "Create APM deployment markers", "MODIFY", true, Use, "Record deployments on APM applications."),
    // Alerts: Telemetry Data Platform, available to basic users.
    cap(1101, "Alerts", "Alert policies", "Read alert policies", "READ", false, Read, "See alert policies."),
    cap(1102, "Alerts", "Alert policies", "Modify alert policies", "MODIFY", false, Configure, "Create and change alert policies."),
    cap(1103, "Alerts", "Alert policies", "Delete alert policies", "DELETE", false, Configure, "Delete alert policies."),
    cap(1104, "Alerts", "Alert conditions", "Read alert conditions", "READ", false, Read, "See alert conditions."),
    cap(1105, "Alerts", "Alert conditions", "Modify alert conditions", "MODIFY", false, Configure, "Create and change alert conditions."),
    cap(1106, "Alerts", "Alert conditions", "Delete alert conditions", "DELETE", false, Configure, "Delete alert conditions."),
    cap(1107, "Alerts", "Incidents", "Acknowledge alert incidents", "OTHER", false, Use, "Acknowledge open incidents."),
    cap(1108, "Alerts", "Incidents", "Close alert incidents", "OTHER", false, Use, "Close incidents and violations."),
    cap(1109, "Alerts", "Notification channels", "Manage alert notification channels", "MANAGE", false, Configure, "Create, change and delete notification channels and destinations."),
    cap(1110, "Alerts", "Muting rules", "Manage alert muting rules", "MANAGE", false, Configure, "Create, change and delete muting rules."),
    // Browser.
    cap(1201, "Browser", "Applications", "Read browser applications", "READ", true, Read, "See browser applications and page views."),
    cap(1202, "Browser", "Session replay", "View browser session replays", "VIEW", true, Read, "Watch session replays."),
    cap(1203, "Browser", "Application settings", "Modify browser application settings", "MODIFY", true, Configure, "Change browser application settings."),
    cap(1204, "Browser", "Applications", "Delete browser applications", "DELETE", true, Configure, "Remove browser applications."),
    // Infrastructure.
    cap(1301, "Infrastructure", "Hosts", "Read infrastructure hosts", "READ", true, Read, "See hosts, processes and inventory."),
    cap(1302, "Infrastructure", "Integrations", "Modify infrastructure integrations", "MODIFY", true, Configure, "Configure cloud and on-host integrations."),
    cap(1303, "Infrastructure", "Hosts", "Delete infrastructure hosts", "DELETE", true, Configure, "Remove hosts that stopped reporting."),
    cap(1304, "Infrastructure", "Kubernetes", "View Kubernetes cluster explorer", "VIEW", true, Read, "Use the Kubernetes cluster explorer."),
    // Mobile.
    cap(1401, "Mobile", "Applications", "Read mobile applications", "READ", true, Read, "See mobile applications, crashes and HTTP requests."),
    cap(1402, "Mobile", "Application settings", "Modify mobile application settings", "MODIFY", true, Configure, "Change mobile application settings."),
    cap(1403, "Mobile", "Applications", "Delete mobile applications", "DELETE", true, Configure, "Remove mobile applications."),
    // Synthetics.
    cap(1501, "Synthetics", "Monitors", "Read synthetic monitors", "READ", true, Read, "See monitors and their results."),
    cap(1502, "Synthetics", "Monitors", "Modify synthetic monitors", "MODIFY", true, Configure, "Create monitors and change their settings and scripts."),
    cap(1503, "Synthetics", "Monitors", "Delete synthetic monitors", "DELETE", true, Configure, "Delete monitors."),
    cap(1504, "Synthetics", "Private locations", "Read synthetics private locations", "READ", true, Read, "See private locations and their job queues."),
    cap(1505, "Synthetics", "Private locations", "Modify synthetics private locations", "MODIFY", true, Configure, "Create private locations and change their settings."),
    cap(1506, "Synthetics", "Private locations", "Delete synthetics private locations", "DELETE", true, Configure, "Delete private locations and purge their queues."),
    cap(1507, "Synthetics", "Secure credentials", "View synthetics secure credentials", "VIEW", true, Use, "See the keys and descriptions of secure credentials (never their values)."),
    cap(1508, "Synthetics", "Secure credentials", "Modify synthetics secure credentials", "MODIFY", true, Configure, "Create secure credentials and change their values."),
    cap(1509, "Synthetics", "Secure credentials", "Delete synthetics secure credentials", "DELETE", true, Configure, "Delete secure credentials."),
    cap(1510, "Synthetics", "Permissions", "Manage synthetics permissions", "MANAGE", true, Configure, "Turn the Synthetics permission system on or off and manage its permission groups."),
    // Workloads.
    cap(1601, "Workloads", "Workloads", "Read workloads", "READ", true, Read, "See workloads and their status."),
    cap(1602, "Workloads", "Workloads", "Modify workloads", "MODIFY", true, Configure, "Create and change workloads."),
    cap(1603, "Workloads", "Workloads", "Delete workloads", "DELETE", true, Configure, "Delete workloads."),
    // Insights and dashboards.
    cap(1701, "Insights", "Dashboards", "Read dashboards", "READ", false, Read, "See dashboards."),
    cap(1702, "Insights", "Dashboards", "Modify dashboards", "MODIFY", false, Use, "Create custom charts and dashboards and change them."),
    cap(1703, "Insights", "Dashboards", "Delete dashboards", "DELETE", false, Use, "Delete dashboards."),
    cap(1704, "Insights", "Query", "Query data with NRQL", "READ", false, Read, "Run queries in the interactive query interface and through NerdGraph."),
    // Logs.
    cap(1801, "Logs", "Logs", "Read logs", "READ", false, Read, "See logs in the logs UI."),
    cap(1802, "Logs", "Logs in context", "View logs in context", "VIEW", true, Read, "See logs in context with APM, infrastructure and other curated UI."),
    cap(1803, "Logs", "Parsing rules", "Modify log parsing rules", "MODIFY", false, Configure, "Create and change log parsing rules."),
    cap(1804, "Logs", "Obfuscation rules", "Manage log obfuscation rules", "MANAGE", false, Configure, "Create and change log obfuscation rules."),
    // Data retention.
    cap(1901, "Data retention", "Data retention", "Read data retention", "READ", false, Read, "See data retention settings."),
    cap(1902, "Data retention", "Data retention", "Modify data retention", "MODIFY", false, Configure, "Change flexible data retention."),
    // Nerdpacks.
    cap(2001, "Nerdpacks", "Nerdpacks", "Read Nerdpacks", "READ", false, Read, "See New Relic One apps."),
    cap(2002, "Nerdpacks", "Catalog subscriptions", "Subscribe to catalog Nerdpacks", "MANAGE", true, Configure, "Subscribe accounts to New Relic One catalog apps."),
    cap(2003, "Nerdpacks", "Custom apps", "Publish custom Nerdpacks", "MODIFY", false, Configure, "Build and publish custom New Relic One apps."),
    // Proactive Detection (Applied Intelligence).
    cap(2101, "Proactive Detection", "Configurations", "Read Proactive Detection configurations", "READ", false, Read, "See Proactive Detection configurations."),
    cap(2102, "Proactive Detection", "Configurations", "Modify Proactive Detection configurations", "MODIFY", false, Configure, "Add, update and delete Proactive Detection configurations."),
    cap(2103, "Incident Intelligence", "Configurations", "Read Incident Intelligence", "READ", false, Read, "See Incident Intelligence issues and configuration."),
    cap(2104, "Incident Intelligence", "Configurations", "Modify Incident Intelligence", "MODIFY", false, Configure, "Configure Incident Intelligence sources and destinations."),
    // Serverless and tracing.
    cap(2201, "Serverless", "Functions", "Read serverless functions", "READ", true, Read, "See serverless functions."),
    cap(2202, "Serverless", "Functions", "Modify serverless settings", "MODIFY", true, Configure, "Configure serverless monitoring."),
    cap(2203, "Distributed tracing", "Traces", "Read distributed traces", "READ", true, Read, "See distributed traces."),
    cap(2204, "Distributed tracing", "Infinite Tracing", "Modify Infinite Tracing", "MODIFY", true, Configure, "Configure New Relic Edge with Infinite Tracing."),
    // Integrations and data ingest.
    cap(2301, "Integrations", "Integrations", "Read integrations", "READ", false, Read, "See installed integrations."),
    cap(2302, "Integrations", "Integrations", "Modify integrations", "MODIFY", false, Configure, "Install and configure integrations."),
    // API keys.
    cap(2401, "API keys", "Ingest keys", "Read ingest keys", "READ", false, Read, "See the account's license and browser keys."),
    cap(2402, "API keys", "Ingest keys", "Manage ingest keys", "MANAGE", false, Configure, "Create, change and delete license and browser keys."),
    cap(2403, "API keys", "User keys", "Manage user keys of other users", "MANAGE", false, AdminHidden, "Create, change and delete user keys that belong to other users of the account."),
    // Account settings.
    cap(2501, "Account settings", "Account settings", "Read account settings", "READ", false, Read, "See account settings."),
    cap(2502, "Account settings", "Account settings", "Modify account settings", "MODIFY", false, Configure, "Change account-level settings."),
    // Billing (Billing user role only).
    cap(2601, "Billing", "Billing", "Read billing", "READ", false, Billing, "See subscriptions, invoices and usage."),
    cap(2602, "Billing", "Billing", "Manage billing", "MANAGE", false, Billing, "Manage subscriptions and billing setup."),
    cap(2603, "Billing", "Usage", "Read usage", "READ", false, Billing, "See data and user usage for billing."),
    // Original (v1) users (Manage v1 users role only).
    cap(2701, "Users", "v1 users", "Read v1 users", "READ", false, V1Users, "See users on the original user model."),
    cap(2702, "Users", "v1 users", "Manage v1 users", "MANAGE", false, V1Users, "Add, change and delete users on the original user model."),
    // Organization-scoped capabilities.
    cap(2801, "Organization", "Organization settings", "Read organization settings", "READ", false, OrgRead, "See the organization's name, structure and preferences."),
    cap(2802, "Organization", "Organization settings", "Modify organization settings", "MODIFY", false, OrgManage, "Change the organization's name and preferences."),
    cap(2803, "Organization", "Accounts", "Read organization accounts", "READ", false, OrgRead, "See the organization's accounts."),
    cap(2804, "Organization", "Accounts", "Manage organization accounts", "MANAGE", false, OrgManage, "Create, rename and cancel accounts."),
    cap(2805, "Organization", "Roles", "Read roles", "READ", false, OrgRead, "See standard and custom roles."),
    cap(2806, "Organization", "Roles", "Manage custom roles", "MANAGE", false, OrgManage, "Create, change and delete custom roles."),
    cap(2807, "Organization", "Access grants", "Read access grants", "READ", false, OrgRead, "See which groups have which roles on which accounts."),
    cap(2808, "Organization", "Access grants", "Manage access grants", "MANAGE", false, OrgManage, "Grant and revoke roles to groups."),
    cap(2901, "Authentication domains", "Authentication domains", "Read authentication domains", "READ", false, DomainRead, "See authentication domains and their settings."),
    cap(2902, "Authentication domains", "Authentication domains", "Manage authentication domains", "MANAGE", false, DomainManage, "Create, configure and delete authentication domains."),
    cap(2903, "Users", "Users", "Read users", "READ", false, DomainRead, "See the users of authentication domains."),
    cap(2904, "Users", "Users", "Manage users", "MANAGE", false, DomainManage, "Create, change and delete users and change their user type."),
    cap(2905, "Users", "Groups", "Read groups", "READ", false, OrgAndDomainRead, "See groups and their members."),
    cap(2906, "Users", "Groups", "Manage groups", "MANAGE", false, DomainManage, "Create, rename and delete groups and change their members."),
];

struct StdRole {
    name: &'static str,
    display_name: &'static str,
    scope: &'static str,
    min_user_type: &'static str,
    holds: fn(Tier) -> bool,
}

const STANDARD_ROLES: &[StdRole] = &[
    StdRole {
        name: "all_product_admin",
        display_name: "All product admin",
        scope: "ACCOUNT",
        min_user_type: "BASIC",
        holds: |t| matches!(t, Read | Use | Configure | AdminHidden),
    },
    StdRole {
        name: "standard_user",
        display_name: "Standard user",
        scope: "ACCOUNT",
        min_user_type: "BASIC",
        holds: |t| matches!(t, Read | Use),
    },
    StdRole {
        name: "read_only",
        display_name: "Read only",
        scope: "ACCOUNT",
        min_user_type: "BASIC",
        holds: |t| matches!(t, Read),
    },
    StdRole {
        name: "billing_user",
        display_name: "Billing user",
        scope: "ACCOUNT",
        min_user_type: "CORE",
        holds: |t| matches!(t, Read | Billing),
    },
    StdRole {
        name: "manage_v1_users",
        display_name: "Manage v1 users",
        scope: "ACCOUNT",
        min_user_type: "FULL",
        holds: |t| matches!(t, V1Users),
    },
    StdRole {
        name: "organization_manager",
        display_name: "Organization manager",
        scope: "ORGANIZATION",
        min_user_type: "CORE",
        holds: |t| matches!(t, OrgRead | OrgManage | OrgAndDomainRead),
    },
    StdRole {
        name: "organization_read_only",
        display_name: "Organization read only",
        scope: "ORGANIZATION",
        min_user_type: "CORE",
        holds: |t| matches!(t, OrgRead | OrgAndDomainRead),
    },
    StdRole {
        name: "authentication_domain_manager",
        display_name: "Authentication domain manager",
        scope: "ORGANIZATION",
        min_user_type: "CORE",
        holds: |t| matches!(t, DomainRead | DomainManage | OrgAndDomainRead),
    },
    StdRole {
        name: "authentication_domain_read_only",
        display_name: "Authentication domain read only",
        scope: "ORGANIZATION",
        min_user_type: "CORE",
        holds: |t| matches!(t, DomainRead | OrgAndDomainRead),
    },
];

impl Tier {
    fn hidden(self) -> bool {
        !matches!(self, Read | Use | Configure)
    }

    fn scope(self) -> &'static str {
        match self {
            OrgRead | OrgManage | DomainRead | DomainManage | OrgAndDomainRead => "ORGANIZATION",
            _ => "ACCOUNT",
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();

        let mut insert = Query::insert();
        insert.into_table(Alias::new("capabilities")).columns(
            [
                "id",
                "name",
                "feature",
                "product",
                "category",
                "description",
                "full_stack_observability",
                "hidden",
                "scope",
            ]
            .map(Alias::new),
        );
        for c in CATALOG {
            insert.values_panic([
                c.id.into(),
                c.name.into(),
                c.feature.into(),
                c.product.into(),
                c.category.into(),
                c.description.into(),
                c.fso.into(),
                c.tier.hidden().into(),
                c.tier.scope().into(),
            ]);
        }
        db.execute(&insert).await?;

        for role in STANDARD_ROLES {
            let stmt = Query::insert()
                .into_table(Alias::new("roles"))
                .columns(["name", "display_name", "scope", "role_type", "min_user_type", "created_at"].map(Alias::new))
                .values_panic([
                    role.name.into(),
                    role.display_name.into(),
                    role.scope.into(),
                    "STANDARD".into(),
                    role.min_user_type.into(),
                    Expr::current_timestamp(),
                ])
                .to_owned();
            db.execute(&stmt).await?;

            // The database assigns role ids (explicit ids would not advance a PostgreSQL sequence).
            let select = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("roles"))
                .and_where(Expr::col(Alias::new("name")).eq(role.name))
                .and_where(Expr::col(Alias::new("organization_id")).is_null())
                .to_owned();
            let row = db.query_one(&select).await?.ok_or_else(|| DbErr::RecordNotInserted)?;
            let role_id: i32 = row.try_get("", "id")?;

            let mut link = Query::insert();
            link.into_table(Alias::new("role_capabilities")).columns(["role_id", "capability_id"].map(Alias::new));
            for c in CATALOG.iter().filter(|c| (role.holds)(c.tier)) {
                link.values_panic([role_id.into(), c.id.into()]);
            }
            db.execute(&link).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute(&Query::delete().from_table(Alias::new("role_capabilities")).to_owned()).await?;
        db.execute(
            &Query::delete()
                .from_table(Alias::new("roles"))
                .and_where(Expr::col(Alias::new("role_type")).eq("STANDARD"))
                .to_owned(),
        )
        .await?;
        db.execute(&Query::delete().from_table(Alias::new("capabilities")).to_owned()).await?;
        Ok(())
    }
}
