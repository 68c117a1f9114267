//! Values of flags written the way people write them: sizes (`256MB`), shares (`0.5`)
//! and durations (`15s`, `30m`, `1h`, `24h`; a bare number is seconds).

/// A broken link's state as written: `suspected` or `confirmed`.
pub fn broken_state(s: &str) -> Result<portal_audit::page::inspect::links::BrokenState, String> {
    use portal_audit::page::inspect::links::BrokenState;
    match s {
        "suspected" => Ok(BrokenState::Suspected),
        "confirmed" => Ok(BrokenState::Confirmed),
        _ => Err(format!("`{s}`: the state is suspected or confirmed")),
    }
}

/// A duration in seconds: `15s`, `30m`, `1h`, `24h`, `1.5` (seconds), `2d`.
pub fn duration_secs(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 15s, 30m, 1h or 24h"))?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return Err(format!("`{s}`: the unit must be s, m, h or d")),
    };
    let v = n * scale;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("`{s}`: a duration must be positive"))
    }
}

/// A memory size in MiB: `300MB`, `300M`, `300MiB`, `1GB`, `1G`, `1GiB` or a bare
/// number of MB.
pub fn memory_mb(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size such as 256MB or 1GB"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "m" | "mb" | "mib" => 1,
        "g" | "gb" | "gib" => 1024,
        _ => return Err(format!("`{s}`: the unit must be MB or GB")),
    };
    match n.checked_mul(scale) {
        Some(0) => Err("the memory budget must be at least 1 MB".into()),
        Some(v) => Ok(v),
        None => Err(format!("`{s}` is too large")),
    }
}

/// A share between 0 and 1.
pub fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{s}` is not a share between 0 and 1 (0.5 is half)"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_are_seconds_minutes_hours_or_days() {
        assert_eq!(super::duration_secs("15s"), Ok(15.0));
        assert_eq!(super::duration_secs("15"), Ok(15.0));
        assert_eq!(super::duration_secs("2.5"), Ok(2.5));
        assert_eq!(super::duration_secs("30m"), Ok(1800.0));
        assert_eq!(super::duration_secs("24h"), Ok(86_400.0));
        assert_eq!(super::duration_secs("1d"), Ok(86_400.0));
        for bad in ["", "0", "0s", "h", "5 weeks", "-1s", "1e9999"] {
            assert!(super::duration_secs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn memory_sizes_are_mb_or_gb() {
        assert_eq!(super::memory_mb("256MB"), Ok(256));
        assert_eq!(super::memory_mb("300"), Ok(300));
        assert_eq!(super::memory_mb("1GiB"), Ok(1024));
        assert_eq!(super::memory_mb("2 g"), Ok(2048));
        for bad in ["", "0MB", "12KB", "MB", "-5", "1.5GB"] {
            assert!(super::memory_mb(bad).is_err(), "{bad}");
        }
    }
}
