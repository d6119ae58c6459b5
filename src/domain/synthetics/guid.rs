//! Entity GUIDs as NerdGraph writes them: unpadded base64 of
//! `<accountId>|SYNTH|MONITOR|<uuid>` or `<accountId>|SYNTH|PRIVATE_LOCATION|<uuid>`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

/// What a Synthetics GUID names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuidKind {
    Monitor,
    PrivateLocation,
}

impl GuidKind {
    fn text(self) -> &'static str {
        match self {
            GuidKind::Monitor => "MONITOR",
            GuidKind::PrivateLocation => "PRIVATE_LOCATION",
        }
    }
}

/// A parsed GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guid {
    pub account_id: i32,
    pub kind: GuidKind,
    pub id: String,
}

pub fn encode(account_id: i32, kind: GuidKind, id: &str) -> String {
    STANDARD_NO_PAD.encode(format!("{account_id}|SYNTH|{}|{id}", kind.text()))
}

/// Parses a GUID (padded or not); `None` for anything that is not a Synthetics GUID.
pub fn decode(guid: &str) -> Option<Guid> {
    let trimmed = guid.trim().trim_end_matches('=');
    let bytes = STANDARD_NO_PAD.decode(trimmed).or_else(|_| STANDARD.decode(guid.trim())).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(4, '|');
    let account_id = parts.next()?.parse().ok()?;
    if parts.next()? != "SYNTH" {
        return None;
    }
    let kind = match parts.next()? {
        "MONITOR" => GuidKind::Monitor,
        "PRIVATE_LOCATION" => GuidKind::PrivateLocation,
        _ => return None,
    };
    let id = parts.next()?.to_owned();
    (!id.is_empty()).then_some(Guid { account_id, kind, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_nerdgraphs_example() {
        let guid = "MzgwNjUyNnxTWU5USHxQUklWQVRFX0xPQ0FUSU9OfDc0ZWZkOGU0LTk0YjAtNDQxMi04NmYxLTk2YTcyODFmOTJmZg";
        let parsed = decode(guid).expect("valid");
        assert_eq!(parsed.account_id, 3_806_526);
        assert_eq!(parsed.kind, GuidKind::PrivateLocation);
        assert_eq!(parsed.id, "74efd8e4-94b0-4412-86f1-96a7281f92ff");
        assert_eq!(encode(parsed.account_id, parsed.kind, &parsed.id), guid);
    }

    #[test]
    fn rejects_other_guids() {
        assert_eq!(decode("not base64 at all!"), None);
        assert_eq!(decode(&STANDARD_NO_PAD.encode("1|APM|APPLICATION|5")), None);
    }
}
