//! Permission levels of tools and scopes: `read < write < delete < admin`.

use std::fmt;

/// What a tool needs, or what a scope grants, on a connector. A higher level covers every
/// lower one: a `delete` scope runs `read`, `write` and `delete` tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    Read,
    Write,
    Delete,
    Admin,
}

impl Permission {
    /// Every level, lowest first.
    pub const ALL: [Permission; 4] = [
        Permission::Read,
        Permission::Write,
        Permission::Delete,
        Permission::Admin,
    ];

    /// `read`, `write`, `delete` or `admin`; anything else is not a permission.
    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
            Permission::Delete => "delete",
            Permission::Admin => "admin",
        }
    }

    /// Whether a scope granting `self` allows a tool needing `required`.
    pub fn covers(self, required: Permission) -> bool {
        self >= required
    }
}

/// The reference SDKs' string form: an unknown granted level covers nothing and an unknown
/// required level is covered by nothing.
pub fn covers(granted: &str, required: &str) -> bool {
    match (Permission::parse(granted), Permission::parse(required)) {
        (Some(g), Some(r)) => g.covers(r),
        _ => false,
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy() {
        assert!(covers("admin", "delete") && covers("write", "read") && covers("read", "read"));
        assert!(!covers("read", "write") && !covers("bogus", "read") && !covers("admin", "x"));
    }
}
