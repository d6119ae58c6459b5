//! Operations of the Synthetics permission system: the per-account switch, permission groups, their members and rules.
