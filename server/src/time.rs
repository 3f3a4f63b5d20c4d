//! Wall-clock helpers: ISO-8601 UTC with milliseconds (the wire format) and `<n>[smhd]` durations.
//!
//! Hand-written (civil-from-days) so the server needs no date crate for three functions.

use std::time::{SystemTime, UNIX_EPOCH};

/// Longest accepted `expiresIn`: ten years. The protocol sets no cap; this one only keeps
/// timestamps far from integer overflow and out of the year 10000.
pub const MAX_DURATION_SECS: i64 = 10 * 366 * 86_400;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    now_ms().div_euclid(1000)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `(hour, minute)` (UTC) of a Unix-millisecond instant.
pub fn utc_hour_minute(ms: i64) -> (u32, u32) {
    let mins = ms.div_euclid(60_000).rem_euclid(24 * 60);
    ((mins / 60) as u32, (mins % 60) as u32)
}

/// `2026-03-01T12:00:00.000Z` for a millisecond timestamp.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// ISO string for a NumericDate (seconds).
pub fn iso_secs(secs: i64) -> String {
    iso(secs.saturating_mul(1000))
}

/// `(year, month)` in UTC, for key ids.
pub fn year_month(ms: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(ms.div_euclid(1000).div_euclid(86_400));
    (y, m)
}

/// Parses `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, into epoch milliseconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if b.len() < 20 || (b[10] != b'T' && b[10] != b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &s[start..i];
        if frac.is_empty() || frac.len() > 9 {
            return None;
        }
        let padded = format!("{frac:0<3}");
        millis = padded[..3].parse().ok()?;
    }
    let offset_secs = match &b[i..] {
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs) * 1000 + millis)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses a protocol duration `<positive integer><s|m|h|d>` into seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || {
        format!("expiresIn must look like 30m, 24h or 7d (a positive integer and one of s, m, h, d); got {s:?}")
    };
    // Split off the last character, not the last byte: a multi-byte final character (`"1é"`)
    // must be a typed error, never a slice at a byte that is not a char boundary.
    let Some((split, _)) = s.char_indices().next_back() else {
        return Err(bad());
    };
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    let secs = n.saturating_mul(mult);
    if secs > MAX_DURATION_SECS {
        return Err(format!(
            "expiresIn {s:?} is longer than the 10-year maximum"
        ));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips() {
        for ms in [0, 1_767_225_600_123, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(parse_iso(&iso(ms)), Some(ms), "{}", iso(ms));
        }
        assert_eq!(iso(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
        assert_eq!(parse_iso("2000-02-29"), Some(951_782_400_000));
        assert_eq!(
            parse_iso("2026-01-01T01:00:00+01:00"),
            Some(1_767_225_600_000)
        );
        assert_eq!(parse_iso("2026-01-01T00:00:00.5Z"), Some(1_767_225_600_500));
    }

    #[test]
    fn iso_rejects_garbage() {
        for s in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-30",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00",
            "x026-01-01",
            "2026-01-01T00:00:00.Z",
        ] {
            assert_eq!(parse_iso(s), None, "{s}");
        }
        // Multi-byte characters anywhere: a refusal, never a panic.
        for s in [
            "2026-01-01T00:00:00.é",
            "2026-01-01T00:00:00.1é",
            "2026-01-01T00:00:00é",
            "2026-01-01T00:00:00+0é:00",
            "2026-é1-01",
            "éééééééééééééééééééé",
        ] {
            assert_eq!(parse_iso(s), None, "{s}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        for s in [
            "",
            "m",
            "0s",
            "-1h",
            "1.5h",
            "1w",
            "1 h",
            "h1",
            "99999999999999d",
            "1é",
            "é",
            "12€",
            "1\u{1F600}",
            "\u{e9}h",
        ] {
            assert!(parse_duration(s).is_err(), "{s}");
        }
    }
}
