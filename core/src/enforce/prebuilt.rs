//! Prebuilt manifests for common kinds of connector (this project's own descriptions, data
//! files in `prebuilt/`). Load one with [`prebuilt`], or list them with [`NAMES`]; every
//! binding exposes the same set.

use super::manifest::ToolManifest;

/// `(connector, manifest JSON)`.
const FILES: &[(&str, &str)] = &[
    ("calendar", include_str!("prebuilt/calendar.json")),
    ("chat", include_str!("prebuilt/chat.json")),
    ("code_hosting", include_str!("prebuilt/code_hosting.json")),
    ("crm", include_str!("prebuilt/crm.json")),
    ("files", include_str!("prebuilt/files.json")),
    ("mail", include_str!("prebuilt/mail.json")),
    ("payments", include_str!("prebuilt/payments.json")),
    ("tickets", include_str!("prebuilt/tickets.json")),
];

/// The connectors with a prebuilt manifest, sorted.
pub const NAMES: &[&str] = &[
    "calendar",
    "chat",
    "code_hosting",
    "crm",
    "files",
    "mail",
    "payments",
    "tickets",
];

/// The prebuilt manifest of `connector`.
pub fn prebuilt(connector: &str) -> Option<ToolManifest> {
    let (_, text) = FILES.iter().find(|(n, _)| *n == connector)?;
    // Checked by the unit test below; a broken file would be a build defect, not input.
    ToolManifest::from_json_text(text).ok().map(|m| m.manifest)
}

/// The text of the prebuilt manifest of `connector` (for bindings that keep their own copy).
pub fn prebuilt_json(connector: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == connector).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_prebuilt_manifest_is_valid_and_named_for_its_connector() {
        assert_eq!(super::NAMES.len(), super::FILES.len());
        for (name, file) in super::FILES.iter().zip(super::NAMES) {
            assert_eq!(name.0, *file);
            let m = super::prebuilt(file).unwrap_or_else(|| panic!("{file} does not load"));
            assert_eq!(m.connector, *file);
            assert!(m.tools.len() >= 8, "{file}");
        }
    }
}
