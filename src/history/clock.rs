//! UTC times as apply records write them, and apply ids, without a date library: RFC 3339 with
//! milliseconds (`2026-05-29T10:45:58.123Z`), ids `20260529T104558.123Z-3f2a` that sort as
//! their times do.

use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `2026-05-29T10:45:58.123Z`.
pub fn rfc3339(ms: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(ms / 1000);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        ms % 1000
    )
}

/// `20260529T104558.123Z-SUFFIX`: sorts by time, then by suffix.
pub fn id_at(ms: u64, suffix: &str) -> String {
    let (y, mo, d, h, mi, s) = civil(ms / 1000);
    format!(
        "{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}.{:03}Z-{suffix}",
        ms % 1000
    )
}

/// A new apply id: the time now and four random hex digits.
pub fn new_apply_id() -> (String, String) {
    let ms = now_ms();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(ms);
    h.write_u32(std::process::id());
    let suffix = format!("{:04x}", h.finish() & 0xffff);
    (id_at(ms, &suffix), rfc3339(ms))
}

/// Milliseconds since the epoch of an RFC 3339 UTC time (`…Z`, any number of fraction digits),
/// as Auth0 writes `created_at`; `None` for anything else.
pub fn parse_ms(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !text.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = text.get(19..text.len() - 1)?;
    let ms = match frac.strip_prefix('.') {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) => {
            let three: String = digits.chars().chain("000".chars()).take(3).collect();
            three.parse::<u64>().ok()?
        }
        None if frac.is_empty() => 0,
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y as i64, mo, d);
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + mi * 60 + s;
    Some(secs * 1000 + ms)
}

/// (year, month, day, hour, minute, second) of seconds since the epoch (H. Hinnant's algorithm).
fn civil(secs: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y.max(0) as u64,
        m as u64,
        d as u64,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
    )
}

fn days_from_civil(y: i64, m: u64, d: u64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let ms = 1_780_051_558_123; // 2026-05-29T10:45:58.123Z
        assert_eq!(rfc3339(ms), "2026-05-29T10:45:58.123Z");
        assert_eq!(id_at(ms, "3f2a"), "20260529T104558.123Z-3f2a");
        assert_eq!(parse_ms("2026-05-29T10:45:58.123Z"), Some(ms));
        assert_eq!(parse_ms("2026-05-29T10:45:58.123456789Z"), Some(ms));
        assert_eq!(parse_ms("2026-05-29T10:45:58Z"), Some(ms - 123));
        assert_eq!(parse_ms("2024-02-29T00:00:00.5Z"), Some(1_709_164_800_500));
        assert_eq!(parse_ms("yesterday"), None);
        assert_eq!(parse_ms("2026-05-29T10:45:58+02:00"), None);
        let (id, time) = new_apply_id();
        assert_eq!(id.len(), "20260529T104558.123Z-3f2a".len());
        assert_eq!(parse_ms(&time).map(|t| id_at(t, &id[21..])), Some(id));
    }
}
