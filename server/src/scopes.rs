//! Plain-language scope descriptions for the consent page: a table for the standard registry
//! and a readable fallback for any `resource:action[:constraint]` scope.

fn humanize(s: &str) -> String {
    s.split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn mpp_category(c: &str) -> Option<&'static str> {
    Some(match c {
        "inference" => "AI inference",
        "compute" => "compute",
        "data" => "data",
        "storage" => "storage",
        "search" => "search",
        "media" => "media",
        "delivery" => "delivery",
        "browser" => "browser automation",
        "general" => "general",
        _ => return None,
    })
}

fn standard(scope: &str) -> Option<String> {
    let fixed = match scope {
        "calendar:read" => "Read your calendar events",
        "calendar:write" => "Create and modify your calendar events",
        "email:read" => "Read your email messages",
        "email:send" => "Send email on your behalf",
        "email:delete" => "Delete your email messages",
        "files:read" => "Read your files",
        "files:write" => "Create and modify your files",
        "payments:read" => "View your payments and balances",
        "payments:initiate" => "Initiate payments on your behalf",
        "profile:read" => "Read your profile information",
        "contacts:read" => "Read your contacts",
        "read" => "Read access",
        "write" => "Write access",
        "delete" => "Delete access",
        "admin" => "Full administrative access",
        _ => "",
    };
    if !fixed.is_empty() {
        return Some(fixed.to_string());
    }
    if let Some(max) = scope.strip_prefix("payments:initiate:max_") {
        if !max.is_empty() && max.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("Initiate payments up to {max}"));
        }
    }
    if let Some(cat) = scope.strip_prefix("payments:mpp:").and_then(mpp_category) {
        return Some(format!("Pay for {cat} services on your behalf"));
    }
    None
}

fn constraint(c: &str) -> String {
    if let Some(n) = c.strip_prefix("max_").filter(|n| !n.is_empty()) {
        return format!(" (up to {})", humanize(n));
    }
    format!(" ({})", humanize(c))
}

/// A human-readable sentence for any scope string; never just the raw scope.
pub fn describe(scope: &str) -> String {
    if let Some(d) = standard(scope) {
        return d;
    }
    let mut parts = scope.splitn(3, ':');
    let resource = humanize(parts.next().unwrap_or(""));
    let action = parts.next().map(|a| a.to_ascii_lowercase());
    let rest = parts.next().map(constraint).unwrap_or_default();
    let Some(action) = action.filter(|a| !a.is_empty()) else {
        return if resource.is_empty() {
            "Unnamed permission".into()
        } else {
            format!("{} access", capitalize(&resource))
        };
    };
    if resource.is_empty() {
        return format!("{} access{rest}", capitalize(&humanize(&action)));
    }
    let sentence = match action.as_str() {
        "read" | "list" | "view" | "get" => format!("Read your {resource}"),
        "write" | "create" | "update" | "edit" | "manage" => {
            format!("Create and modify your {resource}")
        }
        "delete" | "remove" => format!("Delete your {resource}"),
        "send" => format!("Send {resource} on your behalf"),
        "admin" => format!("Administer your {resource}"),
        "execute" | "run" => format!("Run {resource} on your behalf"),
        "*" | "all" => format!("Full access to your {resource}"),
        other => format!("{} your {resource}", capitalize(&humanize(other))),
    };
    format!("{sentence}{rest}")
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn standard_scopes() {
        assert_eq!(describe("calendar:read"), "Read your calendar events");
        assert_eq!(describe("email:send"), "Send email on your behalf");
        assert_eq!(
            describe("payments:initiate:max_500"),
            "Initiate payments up to 500"
        );
        assert_eq!(
            describe("payments:mpp:inference"),
            "Pay for AI inference services on your behalf"
        );
    }

    #[test]
    fn generic_fallback() {
        assert_eq!(describe("read"), "Read access");
        assert_eq!(describe("tickets:write"), "Create and modify your tickets");
        assert_eq!(describe("tickets:read"), "Read your tickets");
        assert_eq!(describe("invoices:approve"), "Approve your invoices");
        assert_eq!(
            describe("orders:create:max_100"),
            "Create and modify your orders (up to 100)"
        );
        assert_eq!(
            describe("support_tickets:delete"),
            "Delete your support tickets"
        );
        assert_eq!(describe("sync"), "Sync access");
        assert_eq!(describe(":x"), "X access");
    }
}
