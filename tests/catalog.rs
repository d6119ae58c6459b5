//! The seeded capability catalog and the nine standard roles.

use std::collections::{BTreeSet, HashMap};

use accessgraph::access::caps;
use entity::enums::{CapabilityCategory, RoleType, Scope, UserType};
use entity::{capability, role, role_capability};
use sea_orm::EntityTrait;

use crate::backend_test;
use crate::common::TestApp;

struct Seeded {
    caps: HashMap<i32, capability::Model>,
    roles: HashMap<String, (role::Model, BTreeSet<i32>)>,
}

async fn seeded(app: &TestApp) -> Seeded {
    let caps = capability::Entity::find().all(&app.db).await.expect("query").into_iter().map(|c| (c.id, c)).collect();
    let links = role_capability::Entity::find().all(&app.db).await.expect("query");
    let roles = role::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|r| {
            let held = links.iter().filter(|l| l.role_id == r.id).map(|l| l.capability_id).collect();
            (r.name.clone(), (r, held))
        })
        .collect();
    Seeded { caps, roles }
}

impl Seeded {
    fn role(&self, name: &str) -> &BTreeSet<i32> {
        &self.roles[name].1
    }

    fn all(&self, pred: impl Fn(&capability::Model) -> bool) -> BTreeSet<i32> {
        self.caps.values().filter(|c| pred(c)).map(|c| c.id).collect()
    }
}

backend_test!(the_catalog_covers_the_products_of_the_seeds, |app| {
    let s = seeded(&app).await;
    assert!(s.caps.len() >= 60, "{} capabilities", s.caps.len());
    let products: BTreeSet<&str> = s.caps.values().map(|c| c.product.as_str()).collect();
    for product in [
        "APM",
        "Alerts",
        "Browser",
        "Infrastructure",
        "Mobile",
        "Synthetics",
        "Workloads",
        "Insights",
        "Logs",
        "Data retention",
        "Nerdpacks",
        "Proactive Detection",
        "Billing",
        "Users",
        "Authentication domains",
        "Organization",
        "API keys",
    ] {
        assert!(products.contains(product), "no capability for {product}");
    }
    for category in [
        CapabilityCategory::Read,
        CapabilityCategory::View,
        CapabilityCategory::Modify,
        CapabilityCategory::Delete,
        CapabilityCategory::Manage,
        CapabilityCategory::Other,
    ] {
        assert!(s.caps.values().any(|c| c.category == category), "no {category:?} capability");
    }
    // Organization-scoped capabilities are hidden (not selectable for custom roles).
    assert!(s.caps.values().filter(|c| c.scope == Scope::Organization).all(|c| c.hidden));
});

backend_test!(the_capability_constants_match_the_catalog, |app| {
    let s = seeded(&app).await;
    for &(id, name) in caps::CHECKED {
        let found = s.caps.get(&id).unwrap_or_else(|| panic!("capability {id} ({name}) is not seeded"));
        assert_eq!(found.name, name, "capability {id}");
    }
});

backend_test!(the_nine_standard_roles_have_their_scopes_and_user_types, |app| {
    let s = seeded(&app).await;
    let standard: BTreeSet<&str> =
        s.roles.values().filter(|(r, _)| r.role_type == RoleType::Standard).map(|(r, _)| r.name.as_str()).collect();
    use caps::roles::*;
    let expected = [
        (ALL_PRODUCT_ADMIN, "All product admin", Scope::Account, UserType::Basic),
        (STANDARD_USER, "Standard user", Scope::Account, UserType::Basic),
        (READ_ONLY, "Read only", Scope::Account, UserType::Basic),
        (BILLING_USER, "Billing user", Scope::Account, UserType::Core),
        (MANAGE_V1_USERS, "Manage v1 users", Scope::Account, UserType::Full),
        (ORGANIZATION_MANAGER, "Organization manager", Scope::Organization, UserType::Core),
        (ORGANIZATION_READ_ONLY, "Organization read only", Scope::Organization, UserType::Core),
        (AUTHENTICATION_DOMAIN_MANAGER, "Authentication domain manager", Scope::Organization, UserType::Core),
        (AUTHENTICATION_DOMAIN_READ_ONLY, "Authentication domain read only", Scope::Organization, UserType::Core),
    ];
    assert_eq!(standard, expected.iter().map(|e| e.0).collect());
    for (name, display, scope, min) in expected {
        let (role, held) = &s.roles[name];
        assert_eq!((role.display_name.as_str(), role.scope, role.min_user_type), (display, scope, min), "{name}");
        assert!(!held.is_empty(), "{name} holds nothing");
        assert!(held.iter().all(|c| s.caps[c].scope == scope), "{name} holds a capability of another scope");
    }
});

backend_test!(standard_role_capability_sets_follow_the_seeds, |app| {
    use caps::roles::*;
    let s = seeded(&app).await;
    let apa = s.role(ALL_PRODUCT_ADMIN);
    let su = s.role(STANDARD_USER);
    let ro = s.role(READ_ONLY);
    let account_selectable = s.all(|c| c.scope == Scope::Account && !c.hidden);

    // All product admin: every selectable account capability, plus hidden ones (so it cannot be
    // rebuilt as a custom role), and no billing or v1-user capabilities.
    assert!(apa.is_superset(&account_selectable));
    assert!(apa.iter().any(|c| s.caps[c].hidden));
    assert!(apa.is_disjoint(&s.role(BILLING_USER).difference(ro).copied().collect::<BTreeSet<_>>()));
    assert!(apa.is_disjoint(s.role(MANAGE_V1_USERS)));

    // Standard user = All product admin minus the configure capabilities: selectable only, and
    // nothing it holds is a configure-only capability that All product admin adds.
    assert!(su.is_subset(apa));
    assert!(su.iter().all(|c| !s.caps[c].hidden), "Standard user can be rebuilt as a custom role");
    let configure = apa.difference(su).filter(|c| !s.caps[c].hidden);
    for c in configure {
        let cat = s.caps[c].category;
        assert!(
            matches!(cat, CapabilityCategory::Modify | CapabilityCategory::Delete | CapabilityCategory::Manage),
            "{} is not a configure capability",
            s.caps[c].name
        );
    }

    // Read only = read capabilities except Synthetics secure credentials.
    assert!(ro.is_subset(su));
    assert!(ro.iter().all(|c| matches!(s.caps[c].category, CapabilityCategory::Read | CapabilityCategory::View)));
    let secure_credentials = s.all(|c| c.feature == "Secure credentials");
    assert!(!secure_credentials.is_empty());
    assert!(ro.is_disjoint(&secure_credentials));
    assert!(su.iter().any(|c| secure_credentials.contains(c)), "Standard user views secure credentials");
    let reads = s.all(|c| {
        c.scope == Scope::Account
            && !c.hidden
            && matches!(c.category, CapabilityCategory::Read | CapabilityCategory::View)
            && c.feature != "Secure credentials"
    });
    assert_eq!(ro, &reads);

    // Billing user: billing plus read-only access to the rest of the platform.
    let billing = s.role(BILLING_USER);
    assert!(billing.is_superset(ro));
    assert!(billing.difference(ro).all(|c| s.caps[c].product == "Billing" && s.caps[c].hidden));
    assert!(s.role(MANAGE_V1_USERS).iter().all(|c| s.caps[c].hidden));

    // Organization roles: the manager holds its read-only twin.
    assert!(s.role(ORGANIZATION_MANAGER).is_superset(s.role(ORGANIZATION_READ_ONLY)));
    assert!(s.role(AUTHENTICATION_DOMAIN_MANAGER).is_superset(s.role(AUTHENTICATION_DOMAIN_READ_ONLY)));
    assert!(s.role(AUTHENTICATION_DOMAIN_MANAGER).contains(&caps::MANAGE_USERS));
    assert!(!s.role(AUTHENTICATION_DOMAIN_READ_ONLY).contains(&caps::MANAGE_USERS));
    assert!(s.role(ORGANIZATION_MANAGER).contains(&caps::MANAGE_ACCESS_GRANTS));

    // The basic set: All product admin minus Full-Stack Observability.
    let basic: BTreeSet<i32> = apa.iter().copied().filter(|c| !s.caps[c].full_stack_observability).collect();
    assert!(!basic.is_empty() && basic.len() < apa.len());
    let loaded = accessgraph::domain::catalog::load(&app.db).await.expect("catalog");
    assert_eq!(loaded.basic_set(), &basic);
});
