//! The Synthetics permission system (seed 003), as pure functions.
//!
//! Two layers decide what a user may do with a monitor or a private location of an account:
//! 1. their effective capabilities on the account (newer user model): e.g. "Read synthetic
//!    monitors", "Modify synthetic monitors", "Delete synthetic monitors";
//! 2. when the account has the permission system on, the rules of the Synthetics permission groups
//!    they belong to. The rules are additive across groups (the most permissive wins) and
//!    whitelist-only: an entity no rule reaches is out of reach. With the system off (the
//!    default), the second layer allows everything.
//!
//! What the rights mean (seed 003): View monitor = its results, not its settings or script; Edit
//! monitor = settings, script (read and write) and delete; Edit does not imply View, and a monitor
//! is listed only with View. Creating a monitor needs Edit on all monitors. View private location
//! = its overview with the job queue numbers; Edit = settings and delete. Managing the permission
//! system needs "Manage synthetics permissions" (held by admins), whether it is on or not.

/// What a Synthetics permission rule reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Monitor,
    PrivateLocation,
}

use super::CapabilitySet;
use super::caps;

/// Which entities of its kind a rule reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    All,
    /// One entity, by GUID.
    One(String),
}

/// One rule of a permission group the user is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub kind: EntityKind,
    pub target: Target,
    pub view: bool,
    pub edit: bool,
}

/// The Synthetics facts of one user on one account.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticsSubject<'a> {
    /// The user's effective capabilities on the account.
    pub capabilities: &'a CapabilitySet,
    /// Whether the account has the permission system on.
    pub enabled: bool,
    /// The rules of every permission group of the account the user is in.
    pub rules: &'a [Rule],
}

/// View and Edit as the permission rules give them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    pub view: bool,
    pub edit: bool,
}

/// What a user may do with one monitor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitorRights {
    /// See the monitor in lists, and its results.
    pub view: bool,
    /// Read and change its settings and script.
    pub edit: bool,
    pub delete: bool,
}

/// Which monitors of an account a user may View (see [`SyntheticsSubject::viewable_monitors`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorScope {
    /// Every monitor of the account.
    All,
    /// Only the monitors with these GUIDs (sorted, without duplicates; possibly none).
    Only(Vec<String>),
}

impl MonitorScope {
    /// Whether the monitor `guid` is in scope.
    pub fn contains(&self, guid: &str) -> bool {
        match self {
            MonitorScope::All => true,
            MonitorScope::Only(guids) => guids.binary_search_by(|g| g.as_str().cmp(guid)).is_ok(),
        }
    }
}

/// What a user may do with one private location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocationRights {
    /// See it in lists, with its job queue numbers.
    pub view: bool,
    /// Change its settings (and purge its queue).
    pub edit: bool,
    pub delete: bool,
}

impl SyntheticsSubject<'_> {
    fn has(&self, capability: super::CapabilityId) -> bool {
        self.capabilities.contains(&capability)
    }

    /// The rules' answer for the entity `guid` of `kind` (everything when the system is off).
    pub fn rule_rights(&self, kind: EntityKind, guid: &str) -> Rights {
        if !self.enabled {
            return Rights { view: true, edit: true };
        }
        self.rules
            .iter()
            .filter(|r| r.kind == kind && (r.target == Target::All || r.target == Target::One(guid.to_owned())))
            .fold(Rights::default(), |acc, r| Rights { view: acc.view || r.view, edit: acc.edit || r.edit })
    }

    /// The rules' answer for every entity of `kind` at once (rules on "all" only).
    fn all_rights(&self, kind: EntityKind) -> Rights {
        if !self.enabled {
            return Rights { view: true, edit: true };
        }
        self.rules
            .iter()
            .filter(|r| r.kind == kind && r.target == Target::All)
            .fold(Rights::default(), |acc, r| Rights { view: acc.view || r.view, edit: acc.edit || r.edit })
    }

    pub fn monitor(&self, guid: &str) -> MonitorRights {
        let rules = self.rule_rights(EntityKind::Monitor, guid);
        MonitorRights {
            view: rules.view && self.has(caps::READ_SYNTHETIC_MONITORS),
            edit: rules.edit && self.has(caps::MODIFY_SYNTHETIC_MONITORS),
            delete: rules.edit && self.has(caps::DELETE_SYNTHETIC_MONITORS),
        }
    }

    /// Creating a monitor needs Edit on all monitors.
    pub fn can_create_monitor(&self) -> bool {
        self.all_rights(EntityKind::Monitor).edit && self.has(caps::MODIFY_SYNTHETIC_MONITORS)
    }

    /// The monitors the user may View, in a form one query can filter on: for every GUID `g`,
    /// `viewable_monitors().contains(g) == monitor(g).view`. Lists show only these (Edit alone
    /// does not list a monitor).
    pub fn viewable_monitors(&self) -> MonitorScope {
        if !self.has(caps::READ_SYNTHETIC_MONITORS) {
            return MonitorScope::Only(Vec::new());
        }
        if self.all_rights(EntityKind::Monitor).view {
            return MonitorScope::All;
        }
        let mut guids: Vec<String> = self
            .rules
            .iter()
            .filter(|r| r.kind == EntityKind::Monitor && r.view)
            .filter_map(|r| match &r.target {
                Target::One(guid) => Some(guid.clone()),
                Target::All => None,
            })
            .collect();
        guids.sort();
        guids.dedup();
        MonitorScope::Only(guids)
    }

    pub fn location(&self, guid: &str) -> LocationRights {
        let rules = self.rule_rights(EntityKind::PrivateLocation, guid);
        LocationRights {
            view: rules.view && self.has(caps::READ_PRIVATE_LOCATIONS),
            edit: rules.edit && self.has(caps::MODIFY_PRIVATE_LOCATIONS),
            delete: rules.edit && self.has(caps::DELETE_PRIVATE_LOCATIONS),
        }
    }

    /// Creating a private location needs Edit on all private locations.
    pub fn can_create_location(&self) -> bool {
        self.all_rights(EntityKind::PrivateLocation).edit && self.has(caps::MODIFY_PRIVATE_LOCATIONS)
    }

    /// Turning the system on or off and managing groups, members and rules.
    pub fn can_manage_permissions(&self) -> bool {
        self.has(caps::MANAGE_SYNTHETICS_PERMISSIONS)
    }
}

/// Why a rule cannot be added to a group.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleConflict {
    #[error("You can't enable access for all {0} while the group has per-entity access rules for them")]
    AllWithPerEntity(&'static str),
    #[error("You can't add per-entity access rules while the group has access to all {0}")]
    PerEntityWithAll(&'static str),
    #[error("A rule must allow View, Edit or both")]
    Empty,
}

fn plural(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Monitor => "monitors",
        EntityKind::PrivateLocation => "private locations",
    }
}

/// A group's rule on "all" entities of a kind and its per-entity rules exclude each other.
/// `existing` are the group's other rules.
pub fn check_rule(existing: &[Rule], new: &Rule) -> Result<(), RuleConflict> {
    if !new.view && !new.edit {
        return Err(RuleConflict::Empty);
    }
    let same_kind = existing.iter().filter(|r| r.kind == new.kind);
    for rule in same_kind {
        match (&new.target, &rule.target) {
            (Target::All, Target::One(_)) => return Err(RuleConflict::AllWithPerEntity(plural(new.kind))),
            (Target::One(_), Target::All) => return Err(RuleConflict::PerEntityWithAll(plural(new.kind))),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(ids: &[super::super::CapabilityId]) -> CapabilitySet {
        ids.iter().copied().collect()
    }

    const ALL_SYNTHETICS: &[super::super::CapabilityId] = &[
        caps::READ_SYNTHETIC_MONITORS,
        caps::MODIFY_SYNTHETIC_MONITORS,
        caps::DELETE_SYNTHETIC_MONITORS,
        caps::READ_PRIVATE_LOCATIONS,
        caps::MODIFY_PRIVATE_LOCATIONS,
        caps::DELETE_PRIVATE_LOCATIONS,
    ];

    fn one(kind: EntityKind, guid: &str, view: bool, edit: bool) -> Rule {
        Rule { kind, target: Target::One(guid.into()), view, edit }
    }

    fn all(kind: EntityKind, view: bool, edit: bool) -> Rule {
        Rule { kind, target: Target::All, view, edit }
    }

    const FULL: MonitorRights = MonitorRights { view: true, edit: true, delete: true };

    #[test]
    fn off_by_default_capabilities_alone_decide() {
        let granted = caps(ALL_SYNTHETICS);
        let subject = SyntheticsSubject { capabilities: &granted, enabled: false, rules: &[] };
        assert_eq!(subject.monitor("A"), FULL);
        assert!(subject.can_create_monitor());
        let read_only = caps(&[caps::READ_SYNTHETIC_MONITORS]);
        let subject = SyntheticsSubject { capabilities: &read_only, enabled: false, rules: &[] };
        assert_eq!(subject.monitor("A"), MonitorRights { view: true, edit: false, delete: false });
        assert!(!subject.can_create_monitor());
    }

    #[test]
    fn enabling_cuts_everything_off_until_groups_grant_it() {
        let granted = caps(ALL_SYNTHETICS);
        let subject = SyntheticsSubject { capabilities: &granted, enabled: true, rules: &[] };
        assert_eq!(subject.monitor("A"), MonitorRights::default());
        assert_eq!(subject.location("L"), LocationRights::default());
        assert!(!subject.can_create_monitor());
    }

    #[test]
    fn violet_has_full_access_to_all_monitors() {
        let granted = caps(ALL_SYNTHETICS);
        let rules = [all(EntityKind::Monitor, true, true), all(EntityKind::PrivateLocation, true, true)];
        let violet = SyntheticsSubject { capabilities: &granted, enabled: true, rules: &rules };
        for monitor in ["A", "B", "C", "D"] {
            assert_eq!(violet.monitor(monitor), FULL);
        }
        assert!(violet.can_create_monitor());
        assert_eq!(violet.location("B"), LocationRights { view: true, edit: true, delete: true });
    }

    #[test]
    fn austin_views_all_and_edits_all_but_c() {
        let granted = caps(ALL_SYNTHETICS);
        let mut rules: Vec<Rule> = ["A", "B", "D"].iter().map(|m| one(EntityKind::Monitor, m, true, true)).collect();
        rules.push(one(EntityKind::Monitor, "C", true, false));
        rules.push(one(EntityKind::PrivateLocation, "PL-A", true, true));
        rules.push(one(EntityKind::PrivateLocation, "PL-B", true, false));
        let austin = SyntheticsSubject { capabilities: &granted, enabled: true, rules: &rules };
        for monitor in ["A", "B", "D"] {
            assert_eq!(austin.monitor(monitor), FULL);
        }
        assert_eq!(austin.monitor("C"), MonitorRights { view: true, edit: false, delete: false });
        assert!(!austin.can_create_monitor(), "per-monitor edit is not edit on all monitors");
        assert_eq!(austin.location("PL-A"), LocationRights { view: true, edit: true, delete: true });
        assert_eq!(austin.location("PL-B"), LocationRights { view: true, edit: false, delete: false });
        assert_eq!(austin.monitor("E"), MonitorRights::default(), "whitelist only");
    }

    #[test]
    fn rules_add_up_across_groups() {
        let granted = caps(ALL_SYNTHETICS);
        let rules = [all(EntityKind::Monitor, true, false), one(EntityKind::Monitor, "A", false, true)];
        let subject = SyntheticsSubject { capabilities: &granted, enabled: true, rules: &rules };
        assert_eq!(subject.monitor("A"), FULL);
        assert_eq!(subject.monitor("B"), MonitorRights { view: true, edit: false, delete: false });
    }

    #[test]
    fn edit_does_not_imply_view() {
        let granted = caps(ALL_SYNTHETICS);
        let rules = [one(EntityKind::Monitor, "A", false, true)];
        let subject = SyntheticsSubject { capabilities: &granted, enabled: true, rules: &rules };
        assert_eq!(subject.monitor("A"), MonitorRights { view: false, edit: true, delete: true });
    }

    #[test]
    fn rules_need_the_capabilities_too() {
        let read_only = caps(&[caps::READ_SYNTHETIC_MONITORS]);
        let rules = [all(EntityKind::Monitor, true, true)];
        let subject = SyntheticsSubject { capabilities: &read_only, enabled: true, rules: &rules };
        assert_eq!(subject.monitor("A"), MonitorRights { view: true, edit: false, delete: false });
    }

    #[test]
    fn viewable_monitors_agree_with_per_monitor_view() {
        let granted = caps(ALL_SYNTHETICS);
        let no_read = caps(&[caps::MODIFY_SYNTHETIC_MONITORS]);
        let per_monitor = [
            one(EntityKind::Monitor, "A", true, false),
            one(EntityKind::Monitor, "B", false, true),
            one(EntityKind::Monitor, "A", true, true),
            one(EntityKind::PrivateLocation, "C", true, true),
        ];
        let view_all = [all(EntityKind::Monitor, true, false)];
        let edit_all = [all(EntityKind::Monitor, false, true)];
        let cases: [(&CapabilitySet, bool, &[Rule]); 6] = [
            (&granted, false, &[]),
            (&granted, true, &[]),
            (&granted, true, &per_monitor),
            (&granted, true, &view_all),
            (&granted, true, &edit_all),
            (&no_read, false, &[]),
        ];
        for (capabilities, enabled, rules) in cases {
            let subject = SyntheticsSubject { capabilities, enabled, rules };
            let scope = subject.viewable_monitors();
            for guid in ["A", "B", "C", "D"] {
                assert_eq!(scope.contains(guid), subject.monitor(guid).view, "{guid} with {rules:?}");
            }
        }
        let subject = SyntheticsSubject { capabilities: &granted, enabled: true, rules: &per_monitor };
        assert_eq!(subject.viewable_monitors(), MonitorScope::Only(vec!["A".into()]));
    }

    #[test]
    fn all_and_per_entity_rules_exclude_each_other() {
        let existing = [one(EntityKind::Monitor, "A", true, false)];
        assert_eq!(
            check_rule(&existing, &all(EntityKind::Monitor, true, true)),
            Err(RuleConflict::AllWithPerEntity("monitors"))
        );
        assert_eq!(check_rule(&existing, &all(EntityKind::PrivateLocation, true, true)), Ok(()));
        let existing = [all(EntityKind::PrivateLocation, true, false)];
        assert_eq!(
            check_rule(&existing, &one(EntityKind::PrivateLocation, "L", true, true)),
            Err(RuleConflict::PerEntityWithAll("private locations"))
        );
        assert_eq!(check_rule(&[], &one(EntityKind::Monitor, "A", false, false)), Err(RuleConflict::Empty));
    }
}
